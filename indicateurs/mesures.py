"""Les mesures de la campagne : valeurs attendues, renseignées, soumises et validées, et leurs
taux, pour une ou plusieurs années et un périmètre. Une seule définition, calculée en SQL ;
la page et la liste des campagnes, « Mes indicateurs », « Mon territoire » et le bilan (page,
PDF, classeur) l'appellent et montrent donc les mêmes nombres.

La définition (la seule) :

- **Indicateurs attendus** : ceux du contrat (une puce d'un engagement) qui ne sont pas de
  contexte (`indicateur_attendu`). Un indicateur de contexte (les chiffres clés `CTX-…` des
  fiches quartiers, ou un indicateur que le SPV classe « contexte ») décrit le territoire : ses
  valeurs viennent des statistiques publiques, personne ne les doit à la campagne ; il n'est
  jamais compté comme manquant.
- **Valeurs attendues** : pour chaque indicateur attendu, une valeur par année et par
  territoire de ses niveaux attendus (`Indicateur.niveaux_attendus`) compris dans le périmètre.
- **Périmètre** (`Perimetre`) : Paris = tous les territoires ; un arrondissement = ses QPV (un
  QPV à cheval sur deux arrondissements compte dans chacun), leurs secteurs et le territoire de
  l'arrondissement — ni Paris, ni l'ensemble des QPV, ni les réseaux REP/REP+, qui sont
  parisiens ; des QPV = ces QPV et leurs secteurs. On peut le restreindre à un indicateur, un
  engagement ou un producteur.
- **Renseignée** : une valeur attendue existe, quel que soit son statut (brouillon, soumise,
  validée, renvoyée) : c'est l'état de la saisie. **Soumise** : statut « soumise ».
  **Validée** : statut « validée ». Une valeur sur un territoire qui n'est pas attendu pour
  son indicateur ne compte pas (un taux ne dépasse jamais 100 %).
- **Valeurs de démonstration** : jamais comptées (ce ne sont pas des données), sauf
  `avec_demo=True`, que seul le bilan demandé « avec les valeurs de démonstration » passe.
- **Taux** (`socle.chiffres.taux`, une décimale au demi supérieur) : taux de renseignement =
  renseignées ÷ attendues ; taux de validation = validées ÷ attendues ; part validée =
  validées ÷ renseignées.
- **Visibilité** : les comptes portent sur toutes les valeurs, quel que soit le lecteur ; ils
  ne révèlent aucune valeur (un délégué apprend qu'une valeur est en cours, sans la voir).

Le calcul : les indicateurs (une requête, ou la liste déjà chargée par la page), puis une
seule requête quel que soit le volume, un UNION ALL dont chaque branche est un GROUP BY : les
territoires du périmètre comptés par niveau (et par QPV ou arrondissement si on le demande),
et les valeurs comptées par statut avec COUNT … FILTER (par indicateur et année, et par QPV,
arrondissement ou QPV × indicateur si on le demande). Les valeurs attendues = Σ sur les
indicateurs de Σ sur leurs niveaux du nombre de territoires de ce niveau : on compte les
territoires par niveau et on multiplie, sans jamais charger une valeur en Python."""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import CharField, Count, F, IntegerField, Q, Value
from django.db.models.functions import Coalesce

from indicateurs.models import Indicateur, Territoire, Valeur
from quartiers.models import Arrondissement, Quartier
from socle import agregats
from socle.chiffres import pourcentage_fr, taux

T = Territoire.Type
NIVEAUX_QUARTIER = (T.QPV, T.SECTEUR)
NIVEAUX_ARRONDISSEMENT = (T.QPV, T.SECTEUR, T.ARRONDISSEMENT)


def indicateur_attendu(indicateur):
    """LA règle : un indicateur dont une valeur est attendue à chaque campagne est une puce du
    contrat (il a un engagement) et n'est pas de contexte."""
    return indicateur.engagement_id is not None and indicateur.nature != Indicateur.Nature.CONTEXTE


# --- territoires attendus, un par un (grilles et modèles de saisie) ----------------------------


def territoires_par_niveau():
    """Tous les territoires, groupés par type (une requête) : pour les grilles et les modèles
    de saisie, qui listent chaque territoire attendu."""
    groupes = defaultdict(list)
    for t in Territoire.objects.order_by("ordre", "code"):
        groupes[t.type].append(t)
    return groupes


def territoires_attendus(indicateur, groupes):
    """Les territoires des niveaux attendus de l'indicateur, dans l'ordre des niveaux."""
    return [t for niveau in indicateur.niveaux_attendus for t in groupes.get(niveau, [])]


# --- le périmètre ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Perimetre:
    """Où l'on compte : tout Paris (par défaut), un arrondissement ou des QPV ; et, si l'on
    veut, seulement un indicateur, un engagement ou un producteur (identifiants)."""

    arrondissement: int | None = None
    quartiers: tuple | None = None
    indicateur: int | None = None
    engagement: int | None = None
    producteur: int | None = None
    # Les identifiants des territoires du périmètre, quand l'appelant les a déjà lus (le
    # bilan) : la condition devient une liste que PostgreSQL estime exactement. Sa
    # sous-requête d'arrondissement était estimée à 669 territoires pour 6, d'où un parcours
    # complet des 2,8 millions de valeurs (370 ms) au lieu de l'index des territoires (< 5 ms).
    territoires_lus: tuple | None = None

    @classmethod
    def de_l_arrondissement(cls, arrondissement, **filtres):
        return cls(arrondissement=getattr(arrondissement, "pk", arrondissement), **filtres)

    @classmethod
    def des_quartiers(cls, quartiers, **filtres):
        return cls(quartiers=tuple(getattr(q, "pk", q) for q in quartiers), **filtres)

    def territoires(self, chemin=""):
        """La condition SQL « le territoire est dans le périmètre ». `chemin` : le préfixe qui
        mène au territoire (`"territoire__"` depuis une valeur). Pour Paris, `Q()` (aucune
        condition) : ne pas la combiner par un OU, qui la ferait disparaître."""
        if self.territoires_lus is not None:
            return Q(**{f"{chemin}id__in": self.territoires_lus})
        if self.quartiers is not None:
            return Q(
                **{
                    f"{chemin}type__in": NIVEAUX_QUARTIER,
                    f"{chemin}quartier_id__in": self.quartiers,
                }
            )
        if self.arrondissement is not None:
            # Sous-requête plutôt que jointure : un QPV de deux arrondissements n'est pas doublé.
            qpv = Quartier.arrondissements.through.objects.filter(
                arrondissement_id=self.arrondissement
            ).values("quartier_id")
            return Q(
                **{f"{chemin}type__in": NIVEAUX_QUARTIER, f"{chemin}quartier_id__in": qpv}
            ) | Q(
                **{
                    f"{chemin}type": T.ARRONDISSEMENT,
                    f"{chemin}arrondissement_id": self.arrondissement,
                }
            )
        return Q()

    def contient_indicateur(self, indicateur):
        """L'indicateur est-il dans le périmètre (filtres d'indicateur, d'engagement, de
        producteur) ?"""
        return (
            (self.indicateur is None or indicateur.pk == self.indicateur)
            and (self.engagement is None or indicateur.engagement_id == self.engagement)
            and (self.producteur is None or indicateur.producteur_id == self.producteur)
        )


PARIS = Perimetre()


# --- une mesure ---------------------------------------------------------------------------------


@dataclass
class Completude:
    """Les valeurs attendues, renseignées (tout statut), soumises et validées d'un regroupement
    (un indicateur, un engagement, un producteur, un QPV, un arrondissement, le total), une
    année. Pour les regroupements d'indicateurs (total, engagement, producteur), aussi le nombre
    d'indicateurs attendus, renseignés (au moins une valeur attendue renseignée) et validés (au
    moins une validée)."""

    libelle: str = ""
    objet: object = None
    attendues: int = 0
    renseignees: int = 0
    soumises: int = 0
    validees: int = 0
    indicateurs: int = 0
    indicateurs_renseignes: int = 0
    indicateurs_valides: int = 0

    @property
    def taux(self):
        """Taux de renseignement (renseignées ÷ attendues), en %, une décimale ; None sans
        valeur attendue."""
        return taux(self.renseignees, self.attendues)

    @property
    def taux_validation(self):
        """Validées ÷ attendues, en %."""
        return taux(self.validees, self.attendues)

    @property
    def part_validee(self):
        """Validées ÷ renseignées, en %."""
        return taux(self.validees, self.renseignees)

    @property
    def taux_texte(self):
        return pourcentage_fr(self.taux)

    @property
    def taux_validation_texte(self):
        return pourcentage_fr(self.taux_validation)

    @property
    def a_valider(self):
        """Valeurs attendues qui ne sont pas encore validées (manquantes ou en cours)."""
        return self.attendues - self.validees

    @property
    def en_cours(self):
        """Valeurs renseignées pas encore validées (brouillons, soumises, renvoyées)."""
        return self.renseignees - self.validees

    def ajouter(self, autre):
        """Ajoute les comptes d'un sous-regroupement (un indicateur compte pour un)."""
        self.attendues += autre.attendues
        self.renseignees += autre.renseignees
        self.soumises += autre.soumises
        self.validees += autre.validees
        self.indicateurs += autre.indicateurs
        self.indicateurs_renseignes += autre.indicateurs_renseignes
        self.indicateurs_valides += autre.indicateurs_valides


# --- le calcul ----------------------------------------------------------------------------------


# Les colonnes communes à toutes les branches de l'UNION ALL (socle/agregats.py) : le
# regroupement (« n » niveaux, « q » QPV, « a » arrondissement pour les territoires ;
# « i » indicateur, « q », « a », « qi » QPV × indicateur pour les valeurs), ses clés, l'année
# (valeurs), le niveau, le nom, le slug et l'ordre (territoires) ; puis trois comptes :
# territoires (dans `r`), ou valeurs renseignées, soumises et validées.
COLONNES = {
    "g": CharField,
    "k1": IntegerField,
    "k2": IntegerField,
    "an": IntegerField,
    "niveau": CharField,
    "nom_": CharField,
    "slug_": CharField,
    "ordre_": IntegerField,
}
COMPTES_VALEURS = {
    "r": Count("pk"),
    "s": Count("pk", filter=Q(statut=Valeur.Statut.SOUMIS)),
    "v": Count("pk", filter=Q(statut=Valeur.Statut.VALIDE)),
}
COMPTES_TERRITOIRES = {
    "r": Count("pk", distinct=True),
    "s": Value(0, output_field=IntegerField()),
    "v": Value(0, output_field=IntegerField()),
}


def _branche_valeurs(queryset, regroupement, cle, cle2=None):
    """Les valeurs comptées par statut (COUNT … FILTER), par année et par `cle` (`cle2`)."""
    return agregats.branche(
        queryset, COLONNES, COMPTES_VALEURS, g=regroupement, k1=cle, k2=cle2, an=F("annee")
    )


def _branche_territoires(queryset, regroupement, **colonnes):
    """Les territoires comptés par niveau et par clé `k1` (avec le nom, le slug et l'ordre du
    QPV, ou le numéro de l'arrondissement, pour les libellés)."""
    return agregats.branche(
        queryset, COLONNES, COMPTES_TERRITOIRES, g=regroupement, niveau=F("type"), **colonnes
    )


CLE_ARRONDISSEMENT = ("arrondissement_id", "quartier__arrondissements__id")
NUMERO_ARRONDISSEMENT = ("arrondissement__numero", "quartier__arrondissements__numero")


class Mesures:
    """Les mesures d'une ou plusieurs années sur un périmètre ; voir `mesurer`."""

    def __init__(self, annees, indicateurs, lignes):
        self.annees = list(annees)
        self.indicateurs = indicateurs
        self._par_id = {i.pk: i for i in indicateurs}
        self._niveaux = {i.pk: i.niveaux_attendus for i in indicateurs}
        # Indicateurs attendus à chaque niveau : le multiplicateur d'un territoire de ce niveau.
        self._par_niveau = defaultdict(int)
        for niveaux in self._niveaux.values():
            for niveau in niveaux:
                self._par_niveau[niveau] += 1
        self._territoires = defaultdict(lambda: defaultdict(int))  # (g, k) → {niveau: nombre}
        self._objets = {}  # (g, k) → le QPV ou l'arrondissement (pour le libellé et le lien)
        self._valeurs = {}  # (g, k1, k2, année) → {r, s, v}
        self._par_indicateur = {}  # année → [mesure par indicateur] (voir `par_indicateur`)
        for ligne in lignes:
            if ligne["niveau"] is not None:
                self._lire_territoires(ligne)
            else:
                self._lire_valeurs(ligne)

    def _lire_territoires(self, ligne):
        cle = (ligne["g"], ligne["k1"])
        self._territoires[cle][ligne["niveau"]] += ligne["r"]
        if ligne["g"] == "q":
            self._objets[cle] = Quartier(
                pk=ligne["k1"], nom=ligne["nom_"], slug=ligne["slug_"], ordre=ligne["ordre_"]
            )
        elif ligne["g"] == "a":
            self._objets[cle] = Arrondissement(pk=ligne["k1"], numero=ligne["ordre_"])

    def _lire_valeurs(self, ligne):
        comptes = {"r": ligne["r"], "s": ligne["s"], "v": ligne["v"]}
        self._valeurs[(ligne["g"], ligne["k1"], ligne["k2"], ligne["an"])] = comptes
        if ligne["g"] == "qi":
            # Le détail QPV × indicateur donne aussi les comptes par QPV : on les somme.
            somme = self._valeurs.setdefault(
                ("q", ligne["k1"], None, ligne["an"]), {"r": 0, "s": 0, "v": 0}
            )
            for compte, nombre in comptes.items():
                somme[compte] += nombre

    # --- lecture brute

    def _attendues(self, cle, indicateur=None):
        """Valeurs attendues d'un regroupement de territoires `cle` : pour un indicateur, la
        somme de ses niveaux ; pour tous, chaque territoire × les indicateurs de son niveau."""
        par_type = self._territoires.get(cle, {})
        if indicateur is not None:
            return sum(par_type.get(niveau, 0) for niveau in self._niveaux[indicateur.pk])
        return sum(n * self._par_niveau.get(niveau, 0) for niveau, n in par_type.items())

    def _completude(self, attendues, cle_valeurs, **kwargs):
        ligne = self._valeurs.get(cle_valeurs, {})
        return Completude(
            attendues=attendues,
            renseignees=ligne.get("r", 0),
            soumises=ligne.get("s", 0),
            validees=ligne.get("v", 0),
            **kwargs,
        )

    # --- par indicateur et ses regroupements

    def indicateur(self, annee, indicateur):
        """La mesure d'un indicateur attendu (objet ou identifiant) ; None s'il ne l'est pas."""
        ind = self._par_id.get(getattr(indicateur, "pk", indicateur))
        if ind is None:
            return None
        c = self._completude(
            self._attendues(("n", None), ind),
            ("i", ind.pk, None, annee),
            libelle=ind.code,
            objet=ind,
        )
        if c.attendues:
            c.indicateurs = 1
            c.indicateurs_renseignes = int(c.renseignees > 0)
            c.indicateurs_valides = int(c.validees > 0)
        return c

    def par_indicateur(self, annee):
        """Une mesure par indicateur attendu, dans l'ordre des indicateurs. Calculée une fois
        par année : le total et chaque engagement la reparcourent (le bilan la recalculait
        60 fois, 6 000 mesures pour 100 indicateurs)."""
        if annee not in self._par_indicateur:
            self._par_indicateur[annee] = [self.indicateur(annee, i) for i in self.indicateurs]
        return list(self._par_indicateur[annee])

    def total(self, annee, libelle="Ensemble"):
        total = Completude(libelle=libelle)
        for c in self.par_indicateur(annee):
            total.ajouter(c)
        return total

    def _regrouper(self, annee, cle, libelle, objet):
        groupes = {}
        for c in self.par_indicateur(annee):
            k = cle(c.objet)
            if k not in groupes:
                groupes[k] = Completude(libelle=libelle(c.objet), objet=objet(c.objet))
            groupes[k].ajouter(c)
        return groupes

    def par_engagement(self, annee):
        """Une mesure par engagement qui a des indicateurs attendus, dans l'ordre des numéros."""
        groupes = self._regrouper(
            annee,
            lambda i: i.engagement_id,
            lambda i: str(i.engagement),
            lambda i: i.engagement,
        )
        return sorted(groupes.values(), key=lambda c: c.objet.numero)

    def engagement(self, annee, engagement_id):
        """La mesure d'un engagement ; vide (zéros) s'il n'a aucun indicateur attendu."""
        c = Completude()
        for m in self.par_indicateur(annee):
            if m.objet.engagement_id == engagement_id:
                c.ajouter(m)
        return c

    def par_producteur(self, annee):
        """Une mesure par producteur, par nom ; « Producteur non désigné » en dernier."""
        groupes = self._regrouper(
            annee,
            lambda i: i.producteur_id,
            lambda i: i.producteur.nom if i.producteur_id else "Producteur non désigné",
            lambda i: i.producteur,
        )
        return sorted(groupes.values(), key=lambda c: (c.objet is None, c.libelle))

    # --- par territoire

    def _mesure_territoire(self, annee, cle):
        objet = self._objets.get(cle)
        libelle = "" if objet is None else str(objet)
        return self._completude(
            self._attendues(cle), (cle[0], cle[1], None, annee), libelle=libelle, objet=objet
        )

    def par_quartier(self, annee):
        """Une mesure par QPV du périmètre (ses secteurs compris), dans l'ordre du décret."""
        cles = [cle for cle in self._objets if cle[0] == "q"]
        cles.sort(key=lambda cle: (self._objets[cle].ordre, cle[1]))
        return [self._mesure_territoire(annee, cle) for cle in cles]

    def quartier(self, annee, quartier_id):
        return self._mesure_territoire(annee, ("q", quartier_id))

    def par_arrondissement(self, annee):
        """Une mesure par arrondissement (ses QPV, leurs secteurs et son propre territoire),
        dans l'ordre des numéros."""
        cles = [cle for cle in self._objets if cle[0] == "a"]
        cles.sort(key=lambda cle: self._objets[cle].numero)
        return [self._mesure_territoire(annee, cle) for cle in cles]

    def arrondissement(self, annee, arrondissement_id):
        return self._mesure_territoire(annee, ("a", arrondissement_id))

    def indicateurs_du_quartier(self, annee, quartier_id):
        """[(indicateur, mesure)] des indicateurs attendus sur un QPV (ou ses secteurs), dans
        l'ordre des indicateurs (demande `par_quartier_indicateur=True`)."""
        lignes = []
        for ind in self.indicateurs:
            attendues = self._attendues(("q", quartier_id), ind)
            if attendues:
                c = self._completude(
                    attendues, ("qi", quartier_id, ind.pk, annee), libelle=ind.code, objet=ind
                )
                lignes.append((ind, c))
        return lignes


def charger_indicateurs_attendus(perimetre=PARIS):
    """Les indicateurs attendus du périmètre, avec engagement et producteur, dans l'ordre du
    référentiel (une requête, les seules colonnes lues)."""
    return [
        i
        for i in Indicateur.objects.select_related("engagement", "producteur")
        .only(
            "code",
            "libelle",
            "niveaux",
            "nature",
            "ordre",
            "engagement__numero",
            "engagement__titre",
            "producteur__nom",
        )
        .order_by("engagement__numero", "ordre", "code")
        if indicateur_attendu(i) and perimetre.contient_indicateur(i)
    ]


def mesurer(
    annees,
    perimetre=PARIS,
    *,
    indicateurs=None,
    par_quartier=False,
    par_arrondissement=False,
    par_quartier_indicateur=False,
    avec_demo=False,
):
    """Les mesures des années `annees` (un entier ou une liste) sur `perimetre`.

    `indicateurs` : une liste déjà chargée (par la page, avec engagement et producteur) dont on
    garde les attendus du périmètre ; sinon elle est chargée (une requête). Puis une seule
    requête, quels que soient le volume et les regroupements demandés (par QPV, par
    arrondissement, par QPV × indicateur), chacun ajoutant une branche à son UNION ALL.
    Retourne un objet `Mesures` (total, par indicateur, engagement, producteur, QPV,
    arrondissement)."""
    annees = [annees] if isinstance(annees, int) else sorted(set(annees))
    if indicateurs is None:
        indicateurs = charger_indicateurs_attendus(perimetre)
    else:
        indicateurs = [
            i for i in indicateurs if indicateur_attendu(i) and perimetre.contient_indicateur(i)
        ]
    if not indicateurs or not annees:
        return Mesures(annees, indicateurs, [])

    # Les territoires du périmètre, comptés par niveau (et par QPV, par arrondissement).
    territoires = Territoire.objects.filter(perimetre.territoires())
    branches = [_branche_territoires(territoires, "n")]
    if par_quartier or par_quartier_indicateur:
        branches.append(
            _branche_territoires(
                territoires.filter(type__in=NIVEAUX_QUARTIER),
                "q",
                k1=F("quartier_id"),
                nom_=F("quartier__nom"),
                slug_=F("quartier__slug"),
                ordre_=F("quartier__ordre"),
            )
        )
    if par_arrondissement:
        branches.append(
            _branche_territoires(
                territoires.filter(type__in=NIVEAUX_ARRONDISSEMENT),
                "a",
                k1=Coalesce(*CLE_ARRONDISSEMENT),
                ordre_=Coalesce(*NUMERO_ARRONDISSEMENT),
            )
        )

    # Les valeurs attendues existantes : sur un territoire du périmètre d'un niveau attendu par
    # leur indicateur. Une condition par liste d'indicateurs, avec les niveaux qui l'attendent
    # (au plus sept) : des niveaux qui attendent les mêmes indicateurs partagent leur
    # condition, que PostgreSQL évalue une fois par valeur au lieu d'une fois par niveau
    # (national, 350 000 valeurs : meilleur de 12 essais 150-175 → 120-137 ms).
    par_niveau = defaultdict(list)
    for ind in indicateurs:
        for niveau in ind.niveaux_attendus:
            par_niveau[niveau].append(ind.pk)
    niveaux_par_liste = defaultdict(list)
    for niveau, ids in par_niveau.items():
        niveaux_par_liste[tuple(ids)].append(niveau)
    attendue = Q()
    for ids, niveaux in niveaux_par_liste.items():
        attendue |= Q(territoire__type__in=niveaux, indicateur_id__in=ids)
    valeurs = Valeur.objects.filter(
        attendue, perimetre.territoires("territoire__"), annee__in=annees
    )
    if not avec_demo:
        valeurs = valeurs.reelles()
    valeurs_qpv = valeurs.filter(territoire__type__in=NIVEAUX_QUARTIER)
    branches.append(_branche_valeurs(valeurs, "i", F("indicateur_id")))
    if par_quartier_indicateur:
        branches.append(
            _branche_valeurs(valeurs_qpv, "qi", F("territoire__quartier_id"), F("indicateur_id"))
        )
    elif par_quartier:
        branches.append(_branche_valeurs(valeurs_qpv, "q", F("territoire__quartier_id")))
    if par_arrondissement:
        branches.append(
            _branche_valeurs(
                valeurs.filter(territoire__type__in=NIVEAUX_ARRONDISSEMENT),
                "a",
                Coalesce(*(f"territoire__{c}" for c in CLE_ARRONDISSEMENT)),
            )
        )
    # Une seule requête : territoires et valeurs, chaque regroupement une branche de l'UNION.
    return Mesures(annees, indicateurs, agregats.union(branches))
