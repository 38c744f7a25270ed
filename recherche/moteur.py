"""Le moteur de recherche : une requête → des résultats groupés par rubrique, comptés,
classés, paginés et surlignés, selon ce que l'utilisateur a le droit de voir. La page
/recherche/ et l'API /api/v1/recherche/ l'appellent toutes deux.

Sur PostgreSQL, en deux requêtes SQL quel que soit le volume :

1. **élargissement** des mots de la requête : racines françaises sans accents (mots vides
   écartés), corrections des fautes de frappe par le lexique (trigrammes : « qartier » →
   « quartier »), et sigles du glossaire (« Caf » → le mot exact « Caf » ou les mots de
   « Caisse d’allocations familiales » ; « QPV » → aussi « quartier prioritaire ») ;
2. **recherche** dans l'index : chaque mot (avec ses variantes) est un terme ; on garde les
   entrées qui couvrent le plus de termes (tous s'il en existe), visibles par l'utilisateur
   (structures et fiches : `for_user`, en sous-requête), classées résultats exacts d'abord
   (sigle, code, titre égal à la requête) puis par `ts_rank` ; comptées par rubrique et
   paginées par fenêtres ; surlignées par `ts_headline` (configuration française).

Sans PostgreSQL (SQLite de `make run`), un repli plus simple garde la page utilisable : mots
pliés cherchés en début de mot dans le texte plié, sigles développés, classement naïf, en deux
requêtes aussi."""

import math
import re
from dataclasses import dataclass, field

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Q
from django.utils.html import escape

from recherche import texte as t
from recherche.indexation import CONFIG
from recherche.models import RUBRIQUES_RESTREINTES, EntreeRecherche, MotRecherche, Rubrique
from structures.models import FicheAction, Structure

PAR_RUBRIQUE = 5  # résultats par rubrique dans l'aperçu (toutes rubriques)
PAR_PAGE = 20
PAR_PAGE_MAX = 100
SEUIL_CORRECTION = 0.45  # similarité de trigrammes minimale d'une correction
CORRECTIONS_MAX = 3
LONGUEUR_CORRIGEABLE = 4  # on ne corrige pas « rep » en « req »
TYPES = [r.value for r in Rubrique]
SANS_LIMITE = 1_000_000_000  # « toute la liste » (exports), en rang

OPTIONS_TITRE = f"HighlightAll=true, StartSel={t.DEBUT}, StopSel={t.FIN}"
OPTIONS_EXTRAIT = (
    f'MaxFragments=2, MaxWords=30, MinWords=12, ShortWord=2, FragmentDelimiter=" … ", '
    f"StartSel={t.DEBUT}, StopSel={t.FIN}"
)


class TypeInconnu(t.SaisieInvalide):
    """Le paramètre `type` ne désigne aucune rubrique."""


def verifier_type(valeur):
    """La rubrique demandée (None : toutes), ou TypeInconnu."""
    if valeur in (None, ""):
        return None
    if valeur not in TYPES:
        raise TypeInconnu(
            f"Rubrique inconnue : « {valeur[:40]} ». Rubriques possibles : {', '.join(TYPES)}.",
            "type_inconnu",
        )
    return valeur


# --- résultats ----------------------------------------------------------------------------------


@dataclass
class Resultat:
    """Un objet trouvé, prêt à afficher (`titre_html`, `extrait_html` : HTML sûr, termes
    entourés de <mark>)."""

    type: str
    source: str
    objet_id: int
    titre: str
    url: str
    contexte: str
    langue: str
    exact: bool
    titre_html: str = ""
    extrait_html: str = ""

    @property
    def modele(self):
        return self.source.split(".")[-1]

    @property
    def type_libelle(self):
        return Rubrique(self.type).label


@dataclass
class RubriqueTrouvee:
    """Une rubrique qui a des résultats : leur nombre total et ceux de la page."""

    type: str
    nombre: int
    exacte: bool
    complete: bool = True  # ses résultats contiennent tous les mots de la requête
    resultats: list = field(default_factory=list)
    url: str = ""  # la rubrique entière (« voir plus »), posée par la page

    @property
    def libelle(self):
        return Rubrique(self.type).label

    def __getitem__(self, cle):
        # La page d'avant donnait des dictionnaires (`r["titre"]`) : on garde cette lecture.
        return {"titre": self.libelle}.get(cle) or getattr(self, cle)

    @property
    def plus(self):
        """Des résultats au-delà de ceux affichés (« voir plus »)."""
        return self.nombre > len(self.resultats)


@dataclass
class Terme:
    """Un mot de la requête et ce qu'il cherche vraiment."""

    mot: str
    lexemes: list = field(default_factory=list)  # racines françaises du mot
    corrections: list = field(default_factory=list)  # mots du lexique proches (fautes)
    groupes: list = field(default_factory=list)  # listes de racines, chacune à trouver en entier
    sigles: list = field(default_factory=list)  # [(sigle, définition)]

    @property
    def exact(self):
        """Un sigle se cherche tel quel : « Caf » ne trouve pas « cafés »."""
        return bool(self.sigles)

    @property
    def utile(self):
        return bool(self.groupes) or self.exact

    def requete_fts(self):
        """Le tsquery du terme (chaque groupe en ET, les groupes en OU), ou ""."""
        return " | ".join(
            "(" + " & ".join(_lexeme(x) for x in groupe) + ")" for groupe in self.groupes if groupe
        )


def _lexeme(valeur):
    """Un lexème littéral de tsquery : entre apostrophes, apostrophes et barres doublées."""
    return "'" + valeur.replace("\\", "\\\\").replace("'", "''") + "'"


@dataclass
class Recherche:
    """Le résultat d'une recherche : rubriques (comptes), résultats de la page, termes
    élargis (pour dire à l'utilisateur ce qui a été cherché)."""

    q: str
    type: str | None
    page: int
    par_page: int | None
    apercu: bool
    rubriques: list = field(default_factory=list)
    resultats: list = field(default_factory=list)
    termes: list = field(default_factory=list)
    mots_ignores: bool = False
    repli: bool = False

    @property
    def nombre(self):
        """Le nombre de résultats de la liste paginée (la rubrique demandée, ou toutes)."""
        if self.type:
            return next((r.nombre for r in self.rubriques if r.type == self.type), 0)
        return sum(r.nombre for r in self.rubriques)

    @property
    def pages(self):
        if not self.par_page or self.apercu:
            return 1
        return max(1, math.ceil(self.nombre / self.par_page))

    @property
    def page_inexistante(self):
        return self.page > 1 and self.page > self.pages

    @property
    def sigles(self):
        return [s for terme in self.termes for s in terme.sigles]

    @property
    def corrections(self):
        return [(terme.mot, terme.corrections) for terme in self.termes if terme.corrections]


# --- point d'entrée -----------------------------------------------------------------------------


def rechercher(
    q, user, type=None, page=1, par_page=PAR_PAGE, apercu=False, surligner=True, repli=None
):
    """Cherche `q` pour `user`.

    - `apercu` : les PAR_RUBRIQUE premiers résultats de chaque rubrique (page sans `type`) ;
    - sinon, avec `type` : la page `page` de cette rubrique ; sans `type` : la page `page` de
      toutes les rubriques à la suite (dans l'ordre des rubriques) ;
    - `par_page=None` : tous les résultats (exports) ;
    - `repli` : force le repli sans PostgreSQL (tests) ; par défaut, selon la base.

    Lève `texte.SaisieInvalide` (requête nulle, trop courte, trop longue) ou `TypeInconnu`."""
    q = t.valider(q)
    type = verifier_type(type)
    if repli is None:
        repli = connection.vendor != "postgresql"
    mots, ignores = t.mots(q)
    recherche = Recherche(
        q=q,
        type=type,
        page=max(1, page),
        par_page=par_page,
        apercu=apercu and not type,
        mots_ignores=ignores,
        repli=repli,
    )
    if not mots:
        return recherche
    moteur = _MoteurRepli() if repli else _MoteurPostgreSQL()
    recherche.termes = [terme for terme in moteur.elargir(mots) if terme.utile]
    if recherche.termes:
        moteur.chercher(recherche, user, surligner)
    return recherche


def _affichage(recherche):
    """Ce que la page montre : (premier rang, dernier rang) dans la rubrique ou la liste."""
    if recherche.apercu:
        return 0, PAR_RUBRIQUE
    if recherche.par_page is None:
        return 0, SANS_LIMITE
    debut = (recherche.page - 1) * recherche.par_page
    return debut, debut + recherche.par_page


def _visibles(user):
    """Les querysets de visibilité des rubriques restreintes (la règle `for_user` des apps)."""
    return {
        Rubrique.STRUCTURES: Structure.objects.for_user(user),
        Rubrique.FICHES: FicheAction.objects.for_user(user),
    }


# --- PostgreSQL ---------------------------------------------------------------------------------


class _MoteurPostgreSQL:
    def elargir(self, mots):
        """Une requête : racines, corrections du lexique et sigles de chaque mot."""
        entrees, lexique = EntreeRecherche._meta.db_table, MotRecherche._meta.db_table
        sql = f"""
            SELECT m.mot,
                tsvector_to_array(to_tsvector(%s::regconfig, m.mot)),
                COALESCE(p.proches, '{{}}'), COALESCE(p.racines, '{{}}'),
                COALESCE(g.sigles, '{{}}'), COALESCE(g.definitions, '{{}}'),
                COALESCE(g.groupes, '{{}}')
            FROM unnest(%s::text[]) WITH ORDINALITY AS m(mot, rang)
            LEFT JOIN LATERAL (
                SELECT array_agg(c.mot ORDER BY c.s DESC, c.mot) AS proches,
                    array_agg(array_to_string(
                        tsvector_to_array(to_tsvector(%s::regconfig, c.mot)), ' ')
                        ORDER BY c.s DESC, c.mot) AS racines
                FROM (
                    SELECT l.mot, similarity(l.mot, m.mot) AS s FROM {lexique} l
                    WHERE l.mot %% m.mot ORDER BY s DESC, l.mot LIMIT %s
                ) c
                WHERE c.s >= %s AND length(m.mot) >= %s AND m.mot !~ '^[0-9]+$'
                    AND NOT EXISTS (SELECT 1 FROM {lexique} k WHERE k.mot = m.mot)
            ) p ON true
            LEFT JOIN LATERAL (
                SELECT array_agg(e.titre ORDER BY e.id) AS sigles,
                    array_agg(e.texte ORDER BY e.id) AS definitions,
                    ARRAY(
                        SELECT array_to_string(tsvector_to_array(to_tsvector(%s::regconfig, x)), ' ')
                        FROM {entrees} f,
                            unnest(ARRAY[f.texte] || string_to_array(f.mots_cles, E'\\n')) AS x
                        WHERE f.type = %s AND f.cle = m.mot AND x <> ''
                    ) AS groupes
                FROM {entrees} e WHERE e.type = %s AND e.cle = m.mot
            ) g ON true
            ORDER BY m.rang"""
        params = [
            CONFIG,
            mots,
            CONFIG,
            CORRECTIONS_MAX,
            SEUIL_CORRECTION,
            LONGUEUR_CORRIGEABLE,
            CONFIG,
            Rubrique.GLOSSAIRE.value,
            Rubrique.GLOSSAIRE.value,
        ]
        with connection.cursor() as curseur:
            curseur.execute(sql, params)
            lignes = curseur.fetchall()
        termes = []
        for mot, lexemes, proches, racines, sigles, definitions, groupes in lignes:
            terme = Terme(mot=mot, lexemes=list(lexemes), corrections=list(proches))
            terme.sigles = list(zip(sigles, definitions, strict=True))
            if not terme.sigles and lexemes:
                terme.groupes.append(list(lexemes))
            terme.groupes += [r.split() for r in racines if r]
            terme.groupes += [g.split() for g in groupes if g]
            termes.append(terme)
        return termes

    def chercher(self, recherche, user, surligner):
        termes = recherche.termes
        sql, params = [], []

        def ajouter(fragment, *valeurs):
            sql.append(fragment)
            params.extend(valeurs)

        conditions, exacts = [], [recherche.q and t.plier(recherche.q)]
        for terme in termes:
            morceaux, valeurs = [], []
            if terme.requete_fts():
                morceaux.append("e.vecteur @@ %s::tsquery")
                valeurs.append(terme.requete_fts())
            if terme.exact:
                morceaux.append("e.plie LIKE %s")
                valeurs.append(f"% {terme.mot} %")
                exacts += [t.plier(s) for s, _ in terme.sigles] + [
                    t.plier(d) for _, d in terme.sigles
                ]
            conditions.append(("(" + " OR ".join(morceaux) + ")", valeurs))
        # Tout ce que la requête cherche, pour classer et surligner (les sigles compris).
        tout = " | ".join(
            f"({r})"
            for r in [terme.requete_fts() for terme in termes]
            + [" | ".join(_lexeme(x) for x in terme.lexemes) for terme in termes if terme.exact]
            if r
        )
        exact = "(e.cle = ANY(%s) OR e.titre_plie = ANY(%s))"

        ajouter("WITH candidats AS (SELECT e.id, e.type, e.source, e.objet_id, e.ordre, e.titre, ")
        ajouter("e.url, e.contexte, e.langue, e.intitule, e.texte, ")
        ajouter(f"{exact} AS exact, ", exacts, exacts)
        ajouter(f"CASE WHEN {exact} THEN %s ELSE ", exacts, exacts, len(termes))
        for i, (condition, valeurs) in enumerate(conditions):
            ajouter(
                ("" if i == 0 else " + ") + f"(CASE WHEN {condition} THEN 1 ELSE 0 END)", *valeurs
            )
        ajouter(" END AS couverture, ")
        if tout:
            ajouter("ts_rank(COALESCE(e.vecteur, ''::tsvector), %s::tsquery, 1) AS rang ", tout)
        else:
            ajouter("0 AS rang ")
        ajouter(f"FROM {EntreeRecherche._meta.db_table} e WHERE ({exact}", exacts, exacts)
        for condition, valeurs in conditions:
            ajouter(f" OR {condition}", *valeurs)
        ajouter(") AND (e.type NOT IN (%s, %s)", *[str(r) for r in RUBRIQUES_RESTREINTES])
        for rubrique, visibles in _visibles(user).items():
            if visibles.query.is_empty():
                continue
            try:
                sous_requete, valeurs = visibles.values("pk").query.sql_with_params()
            except EmptyResultSet:
                continue
            ajouter(
                f" OR (e.type = %s AND e.objet_id IN ({sous_requete}))", str(rubrique), *valeurs
            )
        # Dans chaque rubrique, les entrées qui couvrent le plus de termes (tous, s'il y en a).
        ajouter(")), meilleurs AS (SELECT c.*, max(c.couverture) OVER (PARTITION BY c.type) ")
        ajouter("AS couverture_max FROM candidats c), retenus AS (SELECT m.*, ")
        ajouter("count(*) OVER par_type AS nombre, row_number() OVER (PARTITION BY m.type ")
        ajouter("ORDER BY m.exact DESC, m.rang DESC, m.ordre, m.id) AS rn, ")
        ajouter("bool_or(m.exact) OVER par_type AS rubrique_exacte FROM meilleurs m ")
        ajouter("WHERE m.couverture = m.couverture_max WINDOW par_type AS (PARTITION BY m.type)), ")
        ajouter("classes AS (SELECT r.*, row_number() OVER (ORDER BY r.rubrique_exacte DESC, ")
        ajouter(
            "r.couverture_max DESC, array_position(%s::text[], r.type::text), r.rn) AS rg ", TYPES
        )
        ajouter("FROM retenus r) ")
        debut, fin = _affichage(recherche)
        if recherche.apercu:
            affiche, valeurs_affiche = "(rn <= %s)", [fin]
        elif recherche.type:
            affiche = "(type = %s AND rn > %s AND rn <= %s)"
            valeurs_affiche = [recherche.type, debut, fin]
        else:
            affiche, valeurs_affiche = "(rg > %s AND rg <= %s)", [debut, fin]
        ajouter("SELECT type, source, objet_id, titre, url, contexte, langue, exact, nombre, ")
        ajouter(f"couverture_max = %s, rubrique_exacte, {affiche} AS affiche, ", len(termes))
        params.extend(valeurs_affiche)
        if surligner and tout:
            ajouter(
                f"CASE WHEN {affiche} THEN ts_headline(%s::regconfig, titre, %s::tsquery, %s) END, ",
                *valeurs_affiche,
                CONFIG,
                tout,
                OPTIONS_TITRE,
            )
            ajouter(
                f"CASE WHEN {affiche} THEN ts_headline(%s::regconfig, CASE WHEN texte <> '' THEN "
                "texte WHEN strpos(titre, intitule) = 0 THEN intitule ELSE '' END, "
                "%s::tsquery, %s) END ",
                *valeurs_affiche,
                CONFIG,
                tout,
                OPTIONS_EXTRAIT,
            )
        else:
            ajouter("NULL, NULL ")
        ajouter(f"FROM classes WHERE rn = 1 OR {affiche} ORDER BY rg", *valeurs_affiche)
        with connection.cursor() as curseur:
            curseur.execute("".join(sql), params)
            lignes = curseur.fetchall()
        _ranger(recherche, lignes, surligner)


def _sans_faux_amis(texte_borne, termes):
    """Un sigle est surligné par sa racine française (« caf »), qui est aussi celle de
    « cafés » : on retire la marque des mots qui ne sont pas le sigle lui-même (et qu'aucun
    autre mot de la requête n'annonce)."""
    sigles = [x.mot for x in termes if x.exact]
    if not texte_borne or not sigles:
        return texte_borne
    autres = [x.mot for x in termes if not x.exact] + [c for x in termes for c in x.corrections]

    def demarquer(trouve):
        mot = t.plier(trouve.group(1))
        faux_ami = any(mot != s and mot.startswith(s) for s in sigles) and not any(
            mot.startswith(a[:4]) for a in autres
        )
        return trouve.group(1) if faux_ami else trouve.group(0)

    return re.sub(f"{t.DEBUT}([^{t.FIN}]*){t.FIN}", demarquer, texte_borne)


def _ranger(recherche, lignes, surligner):
    """Rubriques et résultats de la page à partir des lignes (triées par rang global)."""
    rubriques = {}
    for (type_, source, objet_id, titre, url, contexte, langue, exact, nombre, complete,
         rubrique_exacte, affiche, titre_borne, extrait_borne) in lignes:  # fmt: skip
        rubrique = rubriques.get(type_)
        if rubrique is None:
            rubrique = rubriques[type_] = RubriqueTrouvee(type_, nombre, rubrique_exacte, complete)
        if not affiche:
            continue
        resultat = Resultat(type_, source, objet_id, titre, url, contexte, langue, exact)
        titre_borne, extrait_borne = (
            _sans_faux_amis(texte, recherche.termes) for texte in (titre_borne, extrait_borne)
        )
        resultat.titre_html = t.en_html(titre_borne) if surligner else escape(titre)
        resultat.extrait_html = t.en_html(extrait_borne) if extrait_borne else ""
        rubrique.resultats.append(resultat)
        recherche.resultats.append(resultat)
    recherche.rubriques = list(rubriques.values())


# --- repli sans PostgreSQL ----------------------------------------------------------------------


def _radical(mot):
    """Repli : le mot sans sa marque de pluriel, cherché en début de mot (« ateliers » trouve
    « atelier »)."""
    return mot[:-1] if len(mot) > 4 and mot[-1] in "sx" else mot


class _MoteurRepli:
    """Mots pliés cherchés en début de mot (« sante » trouve « santé », pas
    « insuffisante ») ; sigles développés par le glossaire ; classement naïf (exact, puis
    mots trouvés dans le titre, puis nombre d'occurrences). Pas de correction des fautes."""

    def elargir(self, mots):
        sigles = {}
        for titre, cle, definition, complements in EntreeRecherche.objects.filter(
            type=Rubrique.GLOSSAIRE, cle__in=mots
        ).values_list("titre", "cle", "texte", "mots_cles"):
            sigles.setdefault(cle, []).append((titre, definition, complements))
        termes = []
        for mot in mots:
            terme = Terme(mot=mot)
            for titre, definition, complements in sigles.get(mot, []):
                terme.sigles.append((titre, definition))
                for texte_groupe in [definition, *complements.splitlines()]:
                    groupe = [
                        _radical(m) for m in t.plier(texte_groupe).split() if m not in t.MOTS_VIDES
                    ]
                    if groupe:
                        terme.groupes.append(groupe)
            if not terme.sigles and mot not in t.MOTS_VIDES:
                terme.groupes.append([_radical(mot)])
            termes.append(terme)
        return termes

    @staticmethod
    def _couvre(plie, terme):
        if terme.exact and f" {terme.mot} " in plie:
            return True
        return any(all(f" {m}" in plie for m in groupe) for groupe in terme.groupes)

    def chercher(self, recherche, user, surligner):
        termes = recherche.termes
        exacts = {t.plier(recherche.q)}
        for terme in termes:
            exacts |= {t.plier(s) for s, _ in terme.sigles} | {t.plier(d) for _, d in terme.sigles}
        filtre = Q(cle__in=exacts) | Q(titre_plie__in=exacts)
        for terme in termes:
            if terme.exact:
                filtre |= Q(plie__contains=f" {terme.mot} ")
            for groupe in terme.groupes:
                filtre |= Q(plie__contains=f" {groupe[0]}")
        visibilite = ~Q(type__in=RUBRIQUES_RESTREINTES)
        for rubrique, visibles in _visibles(user).items():
            visibilite |= Q(type=rubrique, objet_id__in=visibles.values("pk"))
        candidats = []
        for e in EntreeRecherche.objects.filter(filtre, visibilite).defer("vecteur"):
            exact = e.cle in exacts or e.titre_plie in exacts
            couverture = len(termes) if exact else sum(self._couvre(e.plie, x) for x in termes)
            if not couverture:
                continue
            titre = f" {e.titre_plie}"
            score = sum(
                3 * (f" {m}" in titre) + min(e.plie.count(f" {m}"), 5)
                for x in termes
                for m in ([x.mot] if x.exact else []) + [g[0] for g in x.groupes]
            )
            candidats.append((e, exact, couverture, score))
        # Comme sur PostgreSQL : dans chaque rubrique, les entrées qui couvrent le plus de termes.
        par_type = {}
        for c in sorted(candidats, key=lambda c: (not c[1], -c[3], c[0].ordre, c[0].pk)):
            par_type.setdefault(c[0].type, []).append(c)
        for ty, liste in par_type.items():
            meilleure = max(c[2] for c in liste)
            par_type[ty] = [c for c in liste if c[2] == meilleure]
        exactes = {ty for ty, liste in par_type.items() if any(c[1] for c in liste)}
        completes = {ty for ty, liste in par_type.items() if liste[0][2] == len(termes)}
        ordre = sorted(
            par_type, key=lambda ty: (ty not in exactes, ty not in completes, TYPES.index(ty))
        )
        debut, fin = _affichage(recherche)
        prefixes = [m for x in termes for g in x.groupes for m in g]
        exacts_mots = [x.mot for x in termes if x.exact]
        lignes, rang_global = [], 0
        for ty in ordre:
            for rn, (e, exact, _, _) in enumerate(par_type[ty], start=1):
                rang_global += 1
                if recherche.apercu:
                    affiche = rn <= fin
                elif recherche.type:
                    affiche = ty == recherche.type and debut < rn <= fin
                else:
                    affiche = debut < rang_global <= fin
                if rn != 1 and not affiche:
                    continue
                titre_borne = extrait_borne = None
                if affiche and surligner:
                    titre_borne = t.surligner(e.titre, prefixes, exacts_mots)
                    source_extrait = e.texte or (e.intitule if e.intitule not in e.titre else "")
                    if source_extrait:
                        extrait_borne = t.surligner(
                            source_extrait, prefixes, exacts_mots, extrait=True
                        )
                lignes.append(
                    (ty, e.source, e.objet_id, e.titre, e.url, e.contexte, e.langue, exact,
                     len(par_type[ty]), ty in completes, ty in exactes, affiche, titre_borne,
                     extrait_borne)
                )  # fmt: skip
        _ranger(recherche, lignes, surligner)
