"""Ce que l'index contient et comment il s'écrit.

Chaque modèle trouvable est décrit une fois, comme des données (`Source`) : son chargeur (les
`select_related` / `prefetch_related` de ce que le document lit), la fonction qui en fait un
`Document` (titre affiché, adresse, intitulé, mots-clés, texte…) et les autres entrées qui le
citent (`dependants` : le nom d'un quartier figure dans ses projets, ses structures et ses
fiches). Les vues, l'API, la commande et les signaux passent tous par ici.

- `indexer(cles)` met à jour les entrées des objets donnés (`("engagements.engagement", 5)`) :
  créées, modifiées, ou supprimées si l'objet n'existe plus ;
- `reindexer()` reconstruit tout l'index (commande `reindexer_recherche`, fin de
  `load_referentiel`), idempotent : une entrée inchangée n'est pas réécrite.

Sur PostgreSQL, le vecteur est calculé en SQL à l'écriture, dans la configuration
`recherche_fr` (créée par la migration : `french` précédé du dictionnaire `unaccent`, soit
`to_tsvector('french', unaccent(…))`) avec les poids A (intitulé), B (mots-clés), C (texte) ;
les mots nouveaux entrent dans le lexique des corrections."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db import connection, transaction
from django.db.models import BooleanField, ExpressionWrapper, Prefetch, Q
from django.urls import reverse

from engagements.models import Acteur, Action, Engagement, Sigle, Signataire
from indicateurs.models import Indicateur
from quartiers.models import ProjetStructurant, Quartier, Secteur
from recherche import file
from recherche.models import EntreeRecherche, MotRecherche, Rubrique
from recherche.texte import nettoyer, plier
from structures.models import FicheAction, Structure

CONFIG = "recherche_fr"
# Ce que le glossaire ne dit pas mais que tout le monde écrit : « QPV » se lit aussi
# « quartier prioritaire » dans le texte du contrat. Clé : le sigle plié.
COMPLEMENTS_SIGLES = {"qpv": ("quartier prioritaire",)}
# Mots du lexique : assez longs pour qu'une correction ait un sens.
LONGUEUR_MOT_LEXIQUE = (3, 60)


@dataclass(frozen=True)
class Document:
    """Un objet tel que l'index le range."""

    titre: str
    url: str
    intitule: str
    mots_cles: str = ""
    texte: str = ""
    contexte: str = ""
    cle: str = ""
    ordre: int = 0
    langue: str = "fr"

    def valeurs(self):
        """Les champs de l'entrée (textes nettoyés, colonnes pliées)."""
        intitule, mots_cles, texte = (
            nettoyer(self.intitule),
            nettoyer(self.mots_cles),
            nettoyer(self.texte),
        )
        tout = " ".join((self.titre, intitule, mots_cles, texte))
        return {
            "titre": nettoyer(self.titre),
            "contexte": nettoyer(self.contexte),
            "url": self.url,
            "langue": self.langue,
            "cle": plier(self.cle)[:120],
            "ordre": self.ordre,
            "intitule": intitule,
            "mots_cles": mots_cles,
            "texte": texte,
            "titre_plie": plier(self.titre),
            "plie": f" {plier(tout)} ",
        }


@dataclass(frozen=True)
class Source:
    """Un modèle trouvable : sa rubrique, son chargeur, son document et ceux qui le citent."""

    modele: type
    type: str
    charger: object
    documenter: object
    dependants: object = None

    @property
    def label(self):
        return self.modele._meta.label_lower


def _lignes(*morceaux):
    return "\n".join(str(m) for m in morceaux if m)


def _rechercher_url(**params):
    return f"{reverse('recherche')}?{urlencode(params)}"


# --- documents ----------------------------------------------------------------------------------


def _engagement(e):
    return Document(
        titre=str(e),
        url=e.get_absolute_url(),
        contexte=e.thematique.libelle,
        intitule=e.titre,
        mots_cles=_lignes(
            e.thematique.libelle,
            *(a.libelle for a in e.axes.all()),
            *(a.nom for a in e.acteurs.all()),
            *(f.libelle for f in e.financements.all()),
        ),
        texte=_lignes(
            e.problematiques,
            e.parole_habitant,
            *(a.texte for a in e.axes.all()),
            *(a.texte for a in e.actions.all()),
            *(f.texte for f in e.financements.all()),
            *(p.texte for p in e.plans.all()),
        ),
        cle=str(e.numero),
        ordre=e.numero,
    )


def _action(a):
    e = a.engagement
    return Document(
        # Le lien « Engagement 16, action 8 » mène à l'engagement, où l'action est listée.
        titre=f"Engagement {e.numero}, action {a.numero}",
        url=e.get_absolute_url(),
        contexte=f"{a.get_type_display()} · {e.titre}",
        intitule=a.texte,
        mots_cles=a.get_type_display(),
        cle=f"{e.numero}.{a.numero}",
        ordre=e.numero * 1000 + a.ordre,
    )


def _indicateur(i):
    origine = f"Engagement {i.engagement.numero}" if i.engagement else "Indicateur de contexte"
    producteur = f"produit par {i.producteur.nom}" if i.producteur else ""
    return Document(
        titre=f"{i.code} – {i.libelle}",
        url=i.get_absolute_url(),
        contexte=" · ".join(m for m in (origine, producteur) if m),
        intitule=i.libelle,
        mots_cles=_lignes(
            i.code,
            i.producteur.nom if i.producteur else "",
            i.get_nature_display(),
        ),
        texte=_lignes(i.definition, i.methode),
        cle=i.code,
        ordre=(i.engagement.numero if i.engagement else 999) * 100 + i.ordre,
    )


def _quartier(q):
    arrondissements = [a.libelle for a in q.arrondissements.all()]
    return Document(
        titre=q.nom,
        url=q.get_absolute_url(),
        contexte=" · ".join(["Quartier prioritaire", *arrondissements]),
        intitule=_lignes(q.nom, q.nom_fiche),
        mots_cles=_lignes(*(s.nom for s in q.secteurs.all()), *arrondissements),
        texte=q.description,
        ordre=q.ordre * 100,
    )


def _secteur(s):
    q = s.quartier
    return Document(
        titre=s.nom,
        url=f"{q.get_absolute_url()}#secteur-{s.slug}",
        contexte=f"{s.get_type_display()} du quartier {q.nom}",
        intitule=s.nom,
        mots_cles=q.nom,
        texte=s.description,
        ordre=q.ordre * 100 + s.ordre + 1,
    )


def _projet(p):
    return Document(
        titre=p.nom,
        url=p.get_absolute_url(),
        contexte=" · ".join(
            m
            for m in (p.quartier.nom, p.secteur.nom if p.secteur else "", p.get_statut_display())
            if m
        ),
        intitule=p.nom,
        mots_cles=_lignes(p.quartier.nom, p.secteur.nom if p.secteur else ""),
        texte=_lignes(p.descriptif, p.adresse),
        ordre=p.quartier.ordre * 1000 + p.ordre,
    )


def _sigle(s):
    return Document(
        titre=s.sigle,
        url=f"{reverse('glossaire')}?{urlencode({'q': s.sigle})}",
        contexte="Sigle du glossaire",
        intitule=s.sigle,
        mots_cles=_lignes(*COMPLEMENTS_SIGLES.get(plier(s.sigle), ())),
        texte=s.definition,
        cle=s.sigle,
    )


def _signataire(s):
    return Document(
        titre=s.nom,
        # Pas de page propre : le lien mène aux engagements qui citent le signataire.
        url=_rechercher_url(q=s.nom, type=Rubrique.ENGAGEMENTS),
        contexte=f"{s.get_type_display()} signataire du contrat",
        intitule=s.nom,
        ordre=s.ordre,
    )


def _structure(s):
    lieu = s.arrondissement.libelle if s.arrondissement else s.commune
    quartiers = [q.nom for q in s.quartiers.all()]
    return Document(
        titre=s.nom,
        url=s.get_absolute_url(),
        contexte=" · ".join(m for m in (s.get_type_display(), lieu) if m),
        intitule=s.nom,
        mots_cles=_lignes(s.get_type_display(), lieu, *quartiers),
        texte=_lignes(s.description, s.adresse),
        langue=s.langue,
    )


CHAMPS_FICHE = (
    "resume",
    "description",
    "description_generale",
    "objectifs",
    "actions_menees",
    "resultats_quantitatifs",
    "resultats_territoire",
    "resultats_structure",
    "resultats_habitants",
    "partenariats",
    "difficultes",
    "solutions",
    "facteurs_reussite",
    "limites",
    "perspectives",
    "ressources_financieres",
    "personnes_mobilisees",
    "initiative_precision",
    "motif_fin",
)


def _fiche(f):
    return Document(
        titre=f.titre,
        url=f.get_absolute_url(),
        contexte=" · ".join(
            m
            for m in (
                f.structure.nom,
                str(f.annee or ""),
                f"fiche {f.get_statut_display().lower()}",
            )
            if m
        ),
        intitule=f.titre,
        mots_cles=_lignes(
            f.structure.nom,
            f.get_dimension_display(),
            *f.mots_cles_libelles,
            *f.publics_libelles,
            *f.partenaires_libelles,
            *(q.nom for q in f.quartiers.all()),
        ),
        texte=_lignes(*(getattr(f, champ) for champ in CHAMPS_FICHE)),
        langue=f.langue,
    )


# --- dépendants : les entrées qui citent un objet -----------------------------------------------


def _pks(queryset):
    return set(queryset.values_list("pk", flat=True))


def _dependants_engagement(pks):
    return {
        Action._meta.label_lower: _pks(Action.objects.filter(engagement__in=pks)),
        Indicateur._meta.label_lower: _pks(Indicateur.objects.filter(engagement__in=pks)),
    }


def _dependants_signataire(pks):
    return {Indicateur._meta.label_lower: _pks(Indicateur.objects.filter(producteur__in=pks))}


def _dependants_quartier(pks):
    return {
        Secteur._meta.label_lower: _pks(Secteur.objects.filter(quartier__in=pks)),
        ProjetStructurant._meta.label_lower: _pks(
            ProjetStructurant.objects.filter(quartier__in=pks)
        ),
        Structure._meta.label_lower: _pks(Structure.objects.filter(quartiers__in=pks)),
        FicheAction._meta.label_lower: _pks(FicheAction.objects.filter(quartiers__in=pks)),
    }


def _dependants_secteur(pks):
    return {
        Quartier._meta.label_lower: _pks(Quartier.objects.filter(secteurs__in=pks)),
        ProjetStructurant._meta.label_lower: _pks(
            ProjetStructurant.objects.filter(secteur__in=pks)
        ),
    }


def _dependants_structure(pks):
    return {FicheAction._meta.label_lower: _pks(FicheAction.objects.filter(structure__in=pks))}


SOURCES = (
    Source(
        Engagement,
        Rubrique.ENGAGEMENTS,
        lambda qs: qs.select_related("thematique").prefetch_related(
            "axes",
            "actions",
            Prefetch("acteurs", queryset=Acteur.objects.order_by("groupe", "ordre")),
            "financements",
            "plans",
        ),
        _engagement,
        _dependants_engagement,
    ),
    Source(Action, Rubrique.ACTIONS, lambda qs: qs.select_related("engagement"), _action),
    Source(
        Indicateur,
        Rubrique.INDICATEURS,
        lambda qs: qs.select_related("engagement", "producteur"),
        _indicateur,
    ),
    Source(
        Quartier,
        Rubrique.QUARTIERS,
        lambda qs: qs.prefetch_related(
            "arrondissements", Prefetch("secteurs", queryset=Secteur.objects.order_by("ordre"))
        ),
        _quartier,
        _dependants_quartier,
    ),
    Source(
        Secteur,
        Rubrique.QUARTIERS,
        lambda qs: qs.select_related("quartier"),
        _secteur,
        _dependants_secteur,
    ),
    Source(
        ProjetStructurant,
        Rubrique.PROJETS,
        lambda qs: qs.select_related("quartier", "secteur"),
        _projet,
    ),
    Source(Sigle, Rubrique.GLOSSAIRE, lambda qs: qs, _sigle),
    Source(Signataire, Rubrique.SIGNATAIRES, lambda qs: qs, _signataire, _dependants_signataire),
    Source(
        Structure,
        Rubrique.STRUCTURES,
        lambda qs: qs.select_related("arrondissement").prefetch_related(
            Prefetch("quartiers", queryset=Quartier.objects.order_by("ordre"))
        ),
        _structure,
        _dependants_structure,
    ),
    Source(
        FicheAction,
        Rubrique.FICHES,
        lambda qs: qs.select_related("structure").prefetch_related(
            Prefetch("quartiers", queryset=Quartier.objects.order_by("ordre"))
        ),
        _fiche,
    ),
)
SOURCES_PAR_LABEL = {s.label: s for s in SOURCES}


# --- écriture -----------------------------------------------------------------------------------


@dataclass
class Compteurs:
    """Ce que l'indexation a fait, par état (créées, modifiées, inchangées, supprimées)."""

    etats: Counter = field(default_factory=Counter)

    def __getitem__(self, etat):
        return self.etats[etat]

    def resume(self):
        e = self.etats
        return (
            f"{e['créées']} entrées créées, {e['modifiées']} modifiées, "
            f"{e['inchangées']} inchangées, {e['supprimées']} supprimées"
        )


def _postgresql():
    return connection.vendor == "postgresql"


def _mots_du_lexique(plie):
    court, long = LONGUEUR_MOT_LEXIQUE
    return {m for m in plie.split() if court <= len(m) <= long and not m.isdigit()}


def _calculer_vecteurs(source, objet_ids):
    """Le vecteur pondéré des entrées données, calculé par PostgreSQL (configuration
    `recherche_fr` : français sans accents)."""
    table = EntreeRecherche._meta.db_table
    with connection.cursor() as curseur:
        curseur.execute(
            f"""UPDATE {table} SET vecteur =
                setweight(to_tsvector(%(config)s::regconfig, intitule), 'A')
                || setweight(to_tsvector(%(config)s::regconfig, mots_cles), 'B')
                || setweight(to_tsvector(%(config)s::regconfig, texte), 'C')
            WHERE source = %(source)s AND objet_id = ANY(%(ids)s)""",
            {"config": CONFIG, "source": source, "ids": list(objet_ids)},
        )


def _ajouter_au_lexique(mots):
    if mots:
        MotRecherche.objects.bulk_create(
            [MotRecherche(mot=m) for m in sorted(mots)], ignore_conflicts=True, batch_size=2000
        )


def _synchroniser(source, queryset, pks, compteurs, mots):
    """Met les entrées de `source` en accord avec `queryset` ; `pks` limite l'opération aux
    objets demandés (None : tous les objets de la source). Ajoute à `mots` les mots des
    entrées écrites ; retourne le texte plié de tous les objets lus."""
    valeurs_par_pk = {
        obj.pk: {**source.documenter(obj).valeurs(), "type": source.type}
        for obj in source.charger(queryset)
    }
    existantes = EntreeRecherche.objects.filter(source=source.label).annotate(
        sans_vecteur=ExpressionWrapper(Q(vecteur__isnull=True), output_field=BooleanField())
    )
    if pks is not None:
        existantes = existantes.filter(objet_id__in=pks)
    existantes = {e.objet_id: e for e in existantes.defer("vecteur")}
    a_creer, a_modifier, remplacees = [], [], []
    for pk, valeurs in valeurs_par_pk.items():
        entree = existantes.pop(pk, None)
        if entree is None:
            a_creer.append(EntreeRecherche(source=source.label, objet_id=pk, **valeurs))
        elif any(getattr(entree, c) != v for c, v in valeurs.items()) or (
            entree.sans_vecteur and _postgresql()
        ):
            a_modifier.append(EntreeRecherche(source=source.label, objet_id=pk, **valeurs))
            remplacees.append(entree.pk)
        else:
            compteurs.etats["inchangées"] += 1
    # Une entrée modifiée est remplacée (suppression puis création groupées) : bien plus
    # rapide qu'un bulk_update de textes longs, et l'identifiant interne n'est lu nulle part.
    a_supprimer = [e.pk for e in existantes.values()] + remplacees
    for i in range(0, len(a_supprimer), 1000):
        EntreeRecherche.objects.filter(pk__in=a_supprimer[i : i + 1000]).delete()
    EntreeRecherche.objects.bulk_create(a_creer + a_modifier, batch_size=500)
    compteurs.etats["créées"] += len(a_creer)
    compteurs.etats["modifiées"] += len(a_modifier)
    compteurs.etats["supprimées"] += len(existantes)
    ecrites = a_creer + a_modifier
    if ecrites and _postgresql():
        _calculer_vecteurs(source.label, [e.objet_id for e in ecrites])
    for entree in ecrites:
        mots |= _mots_du_lexique(entree.plie)
    return [e["plie"] for e in valeurs_par_pk.values()]


def indexer(cles):
    """Met à jour l'index pour les objets `cles` (itérable de `(label, pk)`, label au sens
    `app.modèle` en minuscules) et pour les entrées qui les citent. Un objet qui n'existe plus
    perd son entrée ; un label inconnu est ignoré."""
    demandes = defaultdict(set)
    for label, pk in cles:
        if label in SOURCES_PAR_LABEL:
            demandes[label].add(pk)
    for label, pks in list(demandes.items()):
        dependants = SOURCES_PAR_LABEL[label].dependants
        if dependants:
            for autre, autres_pks in dependants(pks).items():
                demandes[autre] |= autres_pks
    compteurs, mots = Compteurs(), set()
    with transaction.atomic():
        for source in SOURCES:
            pks = demandes.get(source.label)
            if pks:
                _synchroniser(
                    source, source.modele.objects.filter(pk__in=pks), pks, compteurs, mots
                )
        if _postgresql():
            _ajouter_au_lexique(mots)
    return compteurs


PAQUET_REINDEXATION = 2000  # objets relus à la fois par la reconstruction complète


@transaction.atomic
def reindexer():
    """Reconstruit tout l'index depuis les modèles : crée ce qui manque, réécrit ce qui a
    changé, supprime ce qui n'existe plus ; synchronise le lexique des corrections (PostgreSQL).
    Idempotent : un second passage ne réécrit rien."""
    compteurs, mots = Compteurs(), set()
    for source in SOURCES:
        # Par paquets d'objets : la mémoire ne croît pas avec le nombre de fiches ou de
        # structures (50 000 et 5 000 à l'échelle nationale), seulement le lexique.
        tous = list(source.modele.objects.order_by("pk").values_list("pk", flat=True))
        for i in range(0, len(tous), PAQUET_REINDEXATION):
            paquet = tous[i : i + PAQUET_REINDEXATION]
            requete = source.modele.objects.filter(pk__in=paquet)
            for plie in _synchroniser(source, requete, paquet, compteurs, set()):
                mots |= _mots_du_lexique(plie)
        # Les entrées d'objets qui n'existent plus (aucun paquet ne les a lues).
        disparues = EntreeRecherche.objects.filter(source=source.label).exclude(
            objet_id__in=source.modele.objects.values("pk")
        )
        compteurs.etats["supprimées"] += disparues.delete()[0]
    orphelines = EntreeRecherche.objects.exclude(source__in=list(SOURCES_PAR_LABEL))
    compteurs.etats["supprimées"] += orphelines.delete()[0]
    if _postgresql():
        connus = set(MotRecherche.objects.values_list("mot", flat=True))
        _ajouter_au_lexique(mots - connus)
        perimes = sorted(connus - mots)
        for i in range(0, len(perimes), 5000):
            MotRecherche.objects.filter(mot__in=perimes[i : i + 5000]).delete()
    # Tout est à jour : les écritures signalées jusqu'ici n'ont plus à être traitées.
    file.oublier()
    return compteurs
