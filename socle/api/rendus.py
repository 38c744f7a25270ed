"""Rendus tableur des listes de l'API : `?format=csv`, `?format=csv-excel` et `?format=xlsx`.

Adaptateurs minces de l'écrivain du portail (socle/tableur.py), qui type les cellules et
neutralise les formules :

- `csv` : CSV « machine » (RFC 4180, UTF-8 sans BOM, virgule, dates ISO 8601, point
  décimal, true/false) ;
- `csv-excel` : CSV « Excel (français) » (UTF-8 avec BOM, « ; », virgule décimale, dates
  jj/mm/aaaa, Oui/Non) ;
- `xlsx` : classeur en écriture seule, vraies dates et vrais nombres.

Une liste est écrite en flux : `VueLectureAPI.list` passe le queryset filtré à
`reponse_liste`, qui le parcourt par paquets (`iterator(chunk_size=…)`), sérialise un paquet
à la fois et écrit les lignes au fil de l'eau (CSV : `StreamingHttpResponse`) ; une vue qui
le déclare (`lecture_sql_export`) les lit directement en SQL, sans sérialiseur.

Les colonnes se déclarent comme des données sur la vue (`colonnes_export`) : un en-tête, un
chemin dans la réponse JSON, un format (`texte`, `nombre`, `date`, `dateheure`). Dans un
chemin, `a.b` descend dans un objet et `a[]` parcourt une liste ; les listes sont jointes par
« ; ». Sans déclaration, les colonnes se déduisent de la première ligne."""

from dataclasses import dataclass
from itertools import chain

from django.http import HttpResponse, StreamingHttpResponse
from rest_framework.renderers import BaseRenderer

from socle import tableur
from socle.lectures import iterer_en_lecture_lourde
from socle.tableur import Format, Variante

SEPARATEUR_LISTE = " ; "
# Clés tentées, dans l'ordre, pour résumer un objet d'une liste en une valeur de cellule.
CLES_RESUME = ("libelle", "nom", "sigle", "code", "numero", "slug", "texte", "id")
# Format déclaré sur une colonne de l'API → format de l'écrivain.
FORMATS = {
    "texte": Format.TEXTE,
    "nombre": Format.NOMBRE,
    "date": Format.DATE,
    "dateheure": Format.DATE_HEURE,
}


@dataclass(frozen=True)
class Colonne:
    """Une colonne d'export : en-tête, chemin dans la réponse JSON (ou fonction de la ligne),
    format (`texte`, `nombre`, `date`, `dateheure`)."""

    entete: str
    chemin: object
    format: str = "texte"

    def pour_tableur(self) -> tableur.Colonne:
        """La même colonne pour l'écrivain du portail (lecture dans le JSON)."""
        return tableur.Colonne(
            self.entete,
            lecteur_json(self.chemin),
            FORMATS.get(self.format, Format.TEXTE),
            separateur=SEPARATEUR_LISTE,
        )


def lecteur_json(chemin):
    """La lecture d'une cellule dans une ligne JSON : `aplatir(extraire(ligne, chemin))`,
    préparée une fois par colonne (le chemin n'est pas redécoupé à chaque ligne ; une clé
    simple se lit directement)."""
    if callable(chemin):
        return lambda ligne: aplatir(chemin(ligne))
    morceaux = chemin.split(".") if chemin else []
    if len(morceaux) != 1 or morceaux[0].endswith("[]"):
        return lambda ligne: aplatir(_extraire(ligne, morceaux))
    cle = morceaux[0]

    def lire(ligne):
        valeur = ligne.get(cle) if isinstance(ligne, dict) else None
        return aplatir(valeur) if isinstance(valeur, dict | list) else valeur

    return lire


def extraire(donnees, chemin):
    """La valeur au bout de `chemin` (`thematique.numero`, `actions[].texte`,
    `arrondissements[]`) ; une liste dès que le chemin traverse une liste. Un chemin peut
    aussi être une fonction de la ligne (colonne calculée)."""
    if callable(chemin):
        return chemin(donnees)
    return _extraire(donnees, chemin.split(".") if chemin else [])


def _extraire(valeur, morceaux):
    if not morceaux:
        return valeur
    tete, reste = morceaux[0], morceaux[1:]
    est_liste = tete.endswith("[]")
    cle = tete[:-2] if est_liste else tete
    if cle:
        valeur = valeur.get(cle) if isinstance(valeur, dict) else None
    if est_liste:
        return [_extraire(v, reste) for v in (valeur or [])]
    return _extraire(valeur, reste)


def resumer(objet):
    """Un objet imbriqué réduit à une valeur lisible (son libellé, son nom, son code…)."""
    for cle in CLES_RESUME:
        if objet.get(cle) not in (None, ""):
            return objet[cle]
    return ", ".join(f"{k} : {v}" for k, v in objet.items() if v not in (None, "", [], {}))


def aplatir(valeur):
    """Une valeur JSON prête pour une cellule : objet résumé, listes imbriquées mises à plat."""
    if isinstance(valeur, dict):
        return resumer(valeur)
    if isinstance(valeur, list):
        return list(
            chain.from_iterable(
                v if isinstance(v, list) else [v] for v in (aplatir(x) for x in valeur)
            )
        )
    return valeur


def colonnes_deduites(ligne, prefixe=""):
    """Sans déclaration : une colonne par champ de la première ligne ; un objet imbriqué
    donne une colonne par sous-champ (`thematique.numero`), une liste une seule colonne."""
    colonnes = []
    for cle, valeur in ligne.items():
        chemin = f"{prefixe}{cle}"
        if isinstance(valeur, dict):
            colonnes.extend(colonnes_deduites(valeur, prefixe=f"{chemin}."))
        else:
            colonnes.append(Colonne(chemin, chemin))
    return colonnes


class RenduTableau(BaseRenderer):
    """Base des rendus tableur : des lignes (objets JSON) et des colonnes déclarées sur la vue."""

    extension = ""

    def lignes(self, data):
        if isinstance(data, dict) and isinstance(data.get("results"), list):
            return data["results"]  # liste paginée (si la vue l'a demandé)
        if isinstance(data, list):
            return data
        return [data] if isinstance(data, dict) else []

    def colonnes(self, premiere, view):
        """Les colonnes de l'écrivain : celles de la vue, sinon déduites de la première ligne."""
        declarees = getattr(view, "colonnes_export", None)
        if declarees:
            colonnes = list(declarees)
        else:
            colonnes = colonnes_deduites(premiere) if isinstance(premiere, dict) else []
        return [c.pour_tableur() for c in colonnes]

    def nom_export(self, view):
        return getattr(view, "nom_export", None) or getattr(view, "basename", None) or "export"

    def nom_fichier(self, renderer_context):
        view = (renderer_context or {}).get("view")
        return tableur.nom_avec_date(self.nom_export(view), self.extension)

    def annoncer_piece_jointe(self, reponse, view):
        nom = tableur.nom_avec_date(self.nom_export(view), self.extension)
        reponse["Content-Disposition"] = f'attachment; filename="{nom}"'

    def render(self, data, accepted_media_type=None, renderer_context=None):
        """Une réponse déjà en mémoire (détail d'un objet) : écrite d'un coup."""
        view = (renderer_context or {}).get("view")
        lignes = self.lignes(data)
        colonnes = self.colonnes(lignes[0] if lignes else None, view)
        reponse = (renderer_context or {}).get("response")
        if reponse is not None:
            self.annoncer_piece_jointe(reponse, view)
        return self.ecrire(lignes, colonnes, view)

    def champs_lus(self, view):
        """Les champs de premier niveau que lisent les colonnes déclarées par la vue (`id`,
        `indicateur` pour `indicateur.code`…) ; None sans déclaration ou avec une colonne
        calculée (tous les champs sont alors sérialisés)."""
        declarees = getattr(view, "colonnes_export", None)
        if not declarees or any(callable(c.chemin) or not c.chemin for c in declarees):
            return None
        return {c.chemin.split(".")[0].removesuffix("[]") for c in declarees}

    def reponse_liste(self, queryset, view):
        """La liste entière, en flux : paquets du queryset sérialisés l'un après l'autre. Seuls
        les champs que lisent les colonnes sont sérialisés (ni adresse, ni ETag, ni champs
        que le tableur n'écrit pas : sur des centaines de milliers de lignes, c'est l'essentiel
        du temps)."""
        champs = self.champs_lus(view)
        lecture = view.lecture_sql(champs) if hasattr(view, "lecture_sql") else None

        def serialiser(paquet):
            serialiseur = view.get_serializer(paquet, many=True)
            if champs is not None:
                enfant = serialiseur.child
                for nom in [n for n in enfant.fields if n not in champs]:
                    del enfant.fields[nom]
            return serialiseur.data

        def objets():
            # Lu en flux après la sortie de la vue : une lecture lourde (réplica s'il existe).
            if lecture is not None:
                # Les enregistrements lus en SQL (voir `VueLectureAPI.lecture_sql`).
                paquets = tableur.par_paquets(lecture.enregistrements(queryset))
            else:
                paquets = map(serialiser, tableur.par_paquets(queryset))
            for donnees in iterer_en_lecture_lourde(paquets):
                yield from donnees

        lignes = objets()
        premiere = next(lignes, None)
        if premiere is not None:
            lignes = chain([premiere], lignes)
        reponse = self.reponse(lignes, self.colonnes(premiere, view), view)
        self.annoncer_piece_jointe(reponse, view)
        return reponse


class RenduCSV(RenduTableau):
    """CSV « machine » : RFC 4180, UTF-8 sans BOM, virgule, dates ISO 8601, true/false."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"
    extension = "csv"
    variante = Variante.MACHINE

    def ecrire(self, lignes, colonnes, view):
        return b"".join(tableur.lignes_csv(lignes, colonnes, self.variante))

    def reponse(self, lignes, colonnes, view):
        return StreamingHttpResponse(
            tableur.lignes_csv(lignes, colonnes, self.variante),
            content_type=f"{self.media_type}; charset={self.charset}",
        )


class RenduCSVExcel(RenduCSV):
    """CSV « Excel (français) » : UTF-8 avec BOM, « ; », virgule décimale, jj/mm/aaaa, Oui/Non.
    Demandé par `?format=csv-excel` (`Accept: text/csv` donne la variante machine)."""

    format = "csv-excel"
    variante = Variante.EXCEL


class RenduXLSX(RenduTableau):
    """Classeur Excel en écriture seule : la feuille des lignes, en-têtes en gras et figés,
    nombres et dates natifs, puis la feuille « Définitions » (chaque colonne et son format)."""

    media_type = tableur.TYPE_XLSX
    format = "xlsx"
    charset = None
    render_style = "binary"
    extension = "xlsx"

    def ecrire(self, lignes, colonnes, view):
        return tableur.contenu_xlsx(
            lignes, colonnes, feuille=self.nom_export(view), definitions=True
        )

    def reponse(self, lignes, colonnes, view):
        return HttpResponse(self.ecrire(lignes, colonnes, view), content_type=self.media_type)


# Ordre : à `Accept: text/csv`, la variante machine répond (la première qui correspond).
RENDUS_TABLEUR = (RenduCSV, RenduCSVExcel, RenduXLSX)
FORMATS_TABLEUR = {r.format for r in RENDUS_TABLEUR}
