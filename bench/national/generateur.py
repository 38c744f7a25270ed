"""Jeu de données SYNTHÉTIQUE à l'échelle nationale, pour le banc d'essai (issue 15, point 1).

Le portail doit servir tous les contrats de ville et la vue de l'État sur l'ensemble :
environ 1 600 QPV, 100 indicateurs de 2015 à 2030 (≈ 2,5 millions de valeurs), 50 000
fiches-actions et 5 000 structures. `generer()` construit ce volume au-dessus du référentiel
parisien (chargé par load_referentiel, qui fournit engagements, indicateurs et signataires) :

- ≈ 400 communes réparties sur ≈ 100 départements, rangées comme des arrondissements
  (numérotés à partir de 101 : le modèle n'a pas de commune) ;
- les QPV « QPV synthétique 0457 » (identifiant `synth-qpv-0457`), 10 % avec deux secteurs,
  et leurs territoires, créés par le chargeur du portail (`charger_territoires`) : mêmes codes
  (`qpv-synth-qpv-0457`) et même ordre qu'un QPV réel ;
- des indicateurs `SYN-…` seulement s'il en manque pour atteindre le nombre demandé ;
- une valeur par indicateur × territoire attendu × année (statuts mêlés : années passées
  presque toutes validées, campagne de l'année en cours de validation), toutes marquées
  `demo=True`, origine « démo » et source « Données synthétiques du banc d’essai » ; une
  partie a son historique (création, puis validation) ;
- les structures « Structure synthétique 00001 » et leurs QPV, les fiches-actions et leurs
  liens (QPV, engagements, étapes de validation), les projets structurants et leur suivi, les
  crédits et les études qualitatives du bilan.

Garde-fous : la génération ne tourne que dans une base dont le nom commence par `bench_`
(ou `test_`, la base jetable de pytest, si l'appelant l'autorise), qui ne contient encore
aucune donnée saisie ; elle est atomique (tout ou rien) et idempotente (une base déjà
générée avec les mêmes paramètres est laissée telle quelle, grâce à la table de marque
`bench_jeu_synthetique`). Les grandes tables sont remplies en SQL ensembliste
(`INSERT … SELECT generate_series`) : quelques minutes pour le volume national."""

import json
import random
import time
from dataclasses import asdict, dataclass, field
from datetime import date

from django.db import connection, transaction

from bench.national.schema import alea, colonne, copier_historique, inserer, nom, table

SOURCE = "Données synthétiques du banc d’essai"
PREFIXE = "synth-"
PREFIXE_INDICATEUR = "SYN-"
TABLE_MARQUE = "bench_jeu_synthetique"
PREMIERE_COMMUNE = 100  # les communes synthétiques sont les « arrondissements » 101, 102…
ORDRE_PREMIER_QPV = 100  # après les 21 QPV parisiens (ordre 1 à 21)
MARQUE_CREDIT = "[banc d’essai]"

# Répartition des statuts des valeurs : (validée, soumise, brouillon) ; le reste est renvoyé.
STATUTS_VALEURS = {
    "passee": (0.92, 0.03, 0.04),
    "campagne": (0.60, 0.15, 0.20),
    "future": (0.0, 0.20, 0.80),
}


class BaseRefusee(Exception):
    """La base n'est pas une base du banc d'essai, ou contient déjà des données."""


@dataclass(frozen=True)
class Parametres:
    """Le volume à générer (défauts : l'échelle nationale de l'issue 15)."""

    qpv: int = 1600
    departements: int = 100
    communes: int = 400
    annee_debut: int = 2015
    annee_fin: int = 2030
    annee_campagne: int = 2025
    indicateurs: int = 100
    structures: int = 5000
    fiches: int = 50000
    projets_par_qpv: int = 8
    credits_par_qpv: int = 8
    pour_cent_secteurs: int = 10
    pour_cent_historique: int = 20
    etudes: int = 200

    def __post_init__(self):
        if not 2015 <= self.annee_debut <= self.annee_campagne <= self.annee_fin <= 2030:
            raise ValueError("Années incohérentes : il faut 2015 ≤ début ≤ campagne ≤ fin ≤ 2030.")
        if min(self.qpv, self.departements, self.communes, self.structures) < 1:
            raise ValueError("Il faut au moins un QPV, un département, une commune, une structure.")
        if not self.departements <= self.communes <= self.qpv:
            raise ValueError("Il faut départements ≤ communes ≤ QPV.")


@dataclass
class Rapport:
    """Ce que la génération a écrit : lignes par table et durée de chaque étape."""

    deja_generee: bool = False
    comptes: dict = field(default_factory=dict)
    durees: dict = field(default_factory=dict)


# --- garde-fous ---------------------------------------------------------------------------------


def verifier_nom_base(nom_base, autoriser_base_de_test=False):
    """Refuse toute base qui n'est pas une base jetable du banc d'essai."""
    prefixes = ("bench_", "test_") if autoriser_base_de_test else ("bench_",)
    if not nom_base or not nom_base.startswith(prefixes):
        raise BaseRefusee(
            f"Base « {nom_base} » refusée : le générateur n’écrit que dans une base créée pour "
            "le banc d’essai, dont le nom commence par « bench_ » (python -m bench la crée)."
        )


def lire_marque():
    """Les paramètres de la génération déjà faite dans cette base (None si aucune)."""
    with connection.cursor() as curseur:
        curseur.execute("SELECT to_regclass(%s)", [TABLE_MARQUE])
        if curseur.fetchone()[0] is None:
            return None
        curseur.execute(f"SELECT parametres FROM {nom(TABLE_MARQUE)} ORDER BY id DESC LIMIT 1")
        ligne = curseur.fetchone()
    if ligne is None:
        return None
    return json.loads(ligne[0]) if isinstance(ligne[0], str) else ligne[0]


def donnees_presentes():
    """Ce que la base contient déjà au-delà du référentiel chargé : {libellé: nombre}."""
    from django.contrib.auth.models import User

    from bilan.models import Credit, EtudeQualitative
    from indicateurs.models import ImportValeurs, Valeur
    from quartiers.models import Quartier
    from structures.models import FicheAction, Structure

    comptes = {
        "valeurs saisies, importées ou de démonstration": Valeur.objects.exclude(
            origine=Valeur.Origine.REFERENTIEL
        ).count(),
        "comptes utilisateurs": User.objects.count(),
        "fiches-actions saisies dans le portail": FicheAction.objects.filter(cle="").count(),
        "crédits": Credit.objects.count(),
        "études qualitatives": EtudeQualitative.objects.count(),
        "imports de valeurs": ImportValeurs.objects.count(),
        "quartiers synthétiques": Quartier.objects.filter(slug__startswith=PREFIXE).count(),
        "structures synthétiques": Structure.objects.filter(slug__startswith=PREFIXE).count(),
    }
    return {libelle: n for libelle, n in comptes.items() if n}


def verifier_base(parametres, autoriser_base_de_test=False):
    """True si la base a déjà été générée avec ces paramètres ; lève BaseRefusee si elle n'est
    pas une base du banc d'essai, si elle a été générée autrement, ou si elle n'est pas vide."""
    from engagements.models import Engagement
    from indicateurs.models import Indicateur

    verifier_nom_base(connection.settings_dict["NAME"], autoriser_base_de_test)
    marque = lire_marque()
    if marque is not None:
        if marque == asdict(parametres):
            return True
        raise BaseRefusee(
            "Cette base a déjà été générée avec d’autres paramètres "
            f"({json.dumps(marque, ensure_ascii=False)}) : recréez-la (python -m bench "
            "--recreer) plutôt que de mélanger deux jeux."
        )
    presentes = donnees_presentes()
    if presentes:
        detail = ", ".join(f"{n} {libelle}" for libelle, n in presentes.items())
        raise BaseRefusee(
            f"La base « {connection.settings_dict['NAME']} » n’est pas vide ({detail}) : le "
            "générateur ne tourne que dans une base neuve où seul le référentiel est chargé."
        )
    if not Engagement.objects.exists() or not Indicateur.objects.exists():
        raise BaseRefusee(
            "Le référentiel n’est pas chargé : lancez d’abord manage.py load_referentiel."
        )
    return False


# --- génération ---------------------------------------------------------------------------------


def generer(parametres=None, autoriser_base_de_test=False, analyser=True, sortie=print):
    """Génère le jeu national dans la base courante (voir le docstring du module).

    Retourne un `Rapport` ; lève `BaseRefusee` sans rien écrire si la base ne convient pas.
    `analyser` : VACUUM ANALYZE à la fin (impossible dans une transaction, donc pas en test)."""
    parametres = parametres or Parametres()
    rapport = Rapport()
    if verifier_base(parametres, autoriser_base_de_test):
        rapport.deja_generee = True
        sortie("Jeu national déjà généré dans cette base avec ces paramètres : rien à faire.")
        return rapport
    debut = time.perf_counter()
    with transaction.atomic():
        _Generation(parametres, rapport, sortie).lancer()
    if analyser:
        etape = time.perf_counter()
        with connection.cursor() as curseur:
            curseur.execute("VACUUM (ANALYZE)")
        rapport.durees["VACUUM ANALYZE"] = time.perf_counter() - etape
        sortie(f"  VACUUM ANALYZE en {rapport.durees['VACUUM ANALYZE']:.1f} s")
    total = time.perf_counter() - debut
    sortie(
        f"Jeu national généré en {total:.0f} s : "
        + ", ".join(f"{n:,} {t}".replace(",", " ") for t, n in rapport.comptes.items())
    )
    return rapport


class _Generation:
    """Les étapes de la génération, dans une transaction ouverte par `generer()`."""

    def __init__(self, parametres, rapport, sortie):
        self.p = parametres
        self.rapport = rapport
        self.sortie = sortie
        self.alea = random.Random(15)
        self.annees = list(range(parametres.annee_debut, parametres.annee_fin + 1))

    def etape(self, libelle, fonction):
        debut = time.perf_counter()
        comptes = fonction() or {}
        duree = time.perf_counter() - debut
        self.rapport.durees[libelle] = duree
        for table_, n in comptes.items():
            self.rapport.comptes[table_] = self.rapport.comptes.get(table_, 0) + n
        detail = ", ".join(f"{n:,} {t}".replace(",", " ") for t, n in comptes.items())
        self.sortie(f"  {libelle:<38} {duree:7.1f} s   {detail}")

    def lancer(self):
        with connection.cursor() as c:
            self.c = c
            c.execute(
                f"CREATE TABLE IF NOT EXISTS {nom(TABLE_MARQUE)} (id serial PRIMARY KEY, "
                "parametres jsonb NOT NULL, comptes jsonb NOT NULL, durees jsonb NOT NULL, "
                "genere_le timestamptz NOT NULL DEFAULT now())"
            )
            self.etape("communes et QPV", self.quartiers)
            self.etape("territoires (charger_territoires)", self.territoires)
            self.etape("indicateurs et campagnes", self.indicateurs_et_campagnes)
            for annee in self.annees:
                self.etape(f"valeurs {annee}", lambda annee=annee: self.valeurs(annee))
            self.etape("historique des valeurs", self.historique_valeurs)
            self.preparer_rangs()
            self.etape("structures", self.structures)
            self.etape("fiches-actions", self.fiches)
            self.etape("projets structurants", self.projets)
            self.etape("crédits et études du bilan", self.bilan)
            c.execute(
                f"INSERT INTO {nom(TABLE_MARQUE)} (parametres, comptes, durees) "
                "VALUES (%s, %s, %s)",
                [
                    json.dumps(asdict(self.p)),
                    json.dumps(self.rapport.comptes),
                    json.dumps({k: round(v, 2) for k, v in self.rapport.durees.items()}),
                ],
            )

    # --- territoires ------------------------------------------------------------------------

    def largeur(self, n):
        return max(4, len(str(n)))

    def quartiers(self):
        from quartiers.models import Arrondissement, Quartier, Secteur

        p, w = self.p, self.largeur(self.p.qpv)
        communes = Arrondissement.objects.bulk_create(
            Arrondissement(numero=PREMIERE_COMMUNE + c) for c in range(1, p.communes + 1)
        )
        quartiers, liens, secteurs = [], [], []
        self.geographie = {}  # slug → (commune, département)
        for i in range(1, p.qpv + 1):
            commune = 1 + (i - 1) * p.communes // p.qpv
            departement = 1 + (commune - 1) * p.departements // p.communes
            slug = f"{PREFIXE}qpv-{i:0{w}d}"
            self.geographie[slug] = (commune, departement)
            quartiers.append(
                Quartier(
                    slug=slug,
                    nom=f"QPV synthétique {i:0{w}d}",
                    nom_fiche=f"QPV synthétique {i:0{w}d} — commune synthétique {commune:04d}, "
                    f"département synthétique {departement:03d}",
                    ordre=ORDRE_PREMIER_QPV + i,
                    population=self.alea.randint(1_000, 20_000),
                    population_source=SOURCE,
                    description="Quartier synthétique du banc d’essai : aucune donnée réelle.",
                )
            )
        quartiers = Quartier.objects.bulk_create(quartiers, batch_size=2000)
        Lien = Quartier.arrondissements.through
        # Un QPV sur dix (selon pour_cent_secteurs) est découpé en deux secteurs.
        pas = round(100 / p.pour_cent_secteurs) if p.pour_cent_secteurs else 0
        for rang, q in enumerate(quartiers, 1):
            commune, _ = self.geographie[q.slug]
            liens.append(Lien(quartier_id=q.pk, arrondissement_id=communes[commune - 1].pk))
            if pas and rang % pas == 0:
                secteurs += [
                    Secteur(
                        quartier=q,
                        slug=f"{PREFIXE}secteur-{rang:0{w}d}-{k}",
                        nom=f"Secteur {k} du {q.nom}",
                        ordre=k,
                        population=self.alea.randint(500, 8_000),
                        population_source=SOURCE,
                    )
                    for k in (1, 2)
                ]
        Lien.objects.bulk_create(liens, batch_size=5000)
        Secteur.objects.bulk_create(secteurs, batch_size=5000)
        historiques = sum(
            copier_historique(
                self.c,
                modele,
                f"starts_with({colonne(modele, 'slug', 'b')}, %(prefixe)s)",
                "now()",
                f"Banc d’essai : {modele._meta.verbose_name} synthétique",
                params={"prefixe": PREFIXE},
            )
            for modele in (Quartier, Secteur)
        )
        return {
            "communes": len(communes),
            "QPV": len(quartiers),
            "secteurs": len(secteurs),
            "lignes d’historique": historiques,
        }

    def territoires(self):
        """Les territoires des QPV, secteurs et communes par le chargeur du portail lui-même :
        codes et ordre identiques à ceux de load_referentiel, qui les retrouve ensuite tels
        quels (second passage sans écriture)."""
        from contratville.chargement import Synchro
        from indicateurs.chargement import charger_territoires
        from indicateurs.models import Territoire

        avant = Territoire.objects.count()
        charger_territoires(Synchro())
        return {"territoires": Territoire.objects.count() - avant}

    def indicateurs_et_campagnes(self):
        from simple_history.utils import bulk_create_with_history

        from engagements.models import Engagement
        from indicateurs.models import Campagne, Indicateur

        U = Indicateur.Unite
        manquants = max(0, self.p.indicateurs - Indicateur.objects.count())
        engagements = list(Engagement.objects.order_by("numero"))
        unites = [U.NOMBRE, U.PART, U.NOMBRE_PART, U.TAUX]
        nouveaux = [
            Indicateur(
                code=f"{PREFIXE_INDICATEUR}{k:03d}",
                engagement=engagements[(k - 1) % len(engagements)],
                ordre=100 + k,
                libelle=f"Indicateur synthétique {k:03d} du banc d’essai",
                nature=Indicateur.Nature.SUIVI,
                unite=unites[(k - 1) % len(unites)],
                definition="Indicateur synthétique ajouté par le banc d’essai pour atteindre le "
                "volume national : ce n’est pas un indicateur du contrat.",
            )
            for k in range(1, manquants + 1)
        ]
        bulk_create_with_history(
            nouveaux, Indicateur, default_change_reason="Banc d’essai : indicateur synthétique"
        )
        campagnes = 0
        for annee in range(self.p.annee_debut, self.p.annee_campagne + 1):
            _, cree = Campagne.objects.get_or_create(
                annee=annee,
                defaults={
                    "date_ouverture": date(annee + 1, 1, 15),
                    "date_cloture": date(annee + 1, 6, 30),
                    "statut": Campagne.Statut.CLOTUREE
                    if annee < self.p.annee_campagne
                    else Campagne.Statut.OUVERTE,
                },
            )
            campagnes += cree
        return {"indicateurs": len(nouveaux), "campagnes": campagnes}

    # --- valeurs -----------------------------------------------------------------------------

    def attendus(self):
        """(indicateur, niveau) pour chaque niveau attendu de chaque indicateur : la règle du
        portail (`Indicateur.niveaux_attendus`), pas une copie."""
        from indicateurs.models import Indicateur

        if not hasattr(self, "_attendus"):
            paires = [
                (i.pk, niveau)
                for i in Indicateur.objects.order_by("pk")
                for niveau in i.niveaux_attendus
            ]
            self._attendus = ([p[0] for p in paires], [p[1] for p in paires])
        return self._attendus

    def valeurs(self, annee):
        from indicateurs.models import Indicateur, Territoire, Valeur

        S, U = Valeur.Statut, Indicateur.Unite
        if annee < self.p.annee_campagne:
            phase = "passee"
        elif annee == self.p.annee_campagne:
            phase = "campagne"
        else:
            phase = "future"
        valide, soumis, brouillon = STATUTS_VALEURS[phase]
        indicateurs, niveaux = self.attendus()
        Ind, T = Indicateur, Territoire
        # Niveau propre au couple (indicateur, territoire), dérive propre à l'année : des
        # séries plausibles, reproductibles.
        cle = "s.cle"
        interne = (
            f"SELECT i.{colonne(Ind, 'id')} AS indicateur_id, t.{colonne(T, 'id')} AS "
            f"territoire_id, i.{colonne(Ind, 'unite')} AS unite, i.{colonne(Ind, 'producteur')} AS "
            f"producteur_id, i.{colonne(Ind, 'id')} * 1000003 + t.{colonne(T, 'id')} AS cle "
            "FROM unnest(%(indicateurs)s::bigint[], %(niveaux)s::text[]) AS a(ind, niveau) "
            f"JOIN {table(Ind)} i ON i.{colonne(Ind, 'id')} = a.ind "
            f"JOIN {table(T)} t ON t.{colonne(T, 'type')} = a.niveau"
        )
        tirages = (
            f"SELECT s.*, {alea(cle, 1)} AS r_niveau, {alea(cle, 1000 + annee)} AS r_annee, "
            f"{alea(cle, 5000 + annee)} AS r_statut, "
            f"200 + floor(4800 * {alea(cle, 2)})::bigint AS base_tiree "
            f"FROM ({interne}) s"
        )
        nombre = "floor(x.base_tiree * least(95, (5 + 55 * x.r_niveau) * (0.85 + 0.3 * x.r_annee)) / 100)::bigint"
        derive = "(0.85 + 0.3 * x.r_annee)"
        statut = (
            "CASE WHEN x.r_statut < %(p_valide)s THEN %(valide)s "
            "WHEN x.r_statut < %(p_soumis)s THEN %(soumis)s "
            "WHEN x.r_statut < %(p_brouillon)s THEN %(brouillon)s ELSE %(renvoye)s END"
        )
        quand = (
            "least(now(), (make_date(%(annee)s + 1, 2, 1) + floor(120 * x.r_statut)::int)"
            "::timestamptz)"
        )
        expressions = {
            "indicateur": "x.indicateur_id",
            "territoire": "x.territoire_id",
            "annee": "%(annee)s",
            "valeur": (
                "CASE x.unite "
                f"WHEN %(u_np)s THEN round({nombre} * 100.0 / x.base_tiree, 2) "
                f"WHEN %(u_part)s THEN round(least(99, (8 + 40 * x.r_niveau) * {derive})::numeric, 1) "
                f"WHEN %(u_taux)s THEN round(least(99, (8 + 40 * x.r_niveau) * {derive})::numeric, 1) "
                f"WHEN %(u_nombre)s THEN floor((20 + 780 * x.r_niveau) * {derive})::numeric "
                f"ELSE round((1000 * x.r_niveau * {derive})::numeric, 2) END"
            ),
            "nombre": f"CASE WHEN x.unite = %(u_np)s THEN {nombre} END",
            "base": "CASE WHEN x.unite = %(u_np)s THEN x.base_tiree END",
            "source": "%(source)s",
            "commentaire": "''",
            "producteur": "x.producteur_id",
            "statut": statut,
            "motif_renvoi": f"CASE WHEN ({statut}) = %(renvoye)s THEN %(motif)s ELSE '' END",
            "origine": "%(origine)s",
            "demo": "true",
            "version": "1",
            "soumis_le": f"CASE WHEN ({statut}) IN (%(soumis)s, %(valide)s) THEN {quand} END",
            "valide_le": f"CASE WHEN ({statut}) = %(valide)s THEN {quand} + interval '20 days' END",
            "renvoye_le": f"CASE WHEN ({statut}) = %(renvoye)s THEN {quand} + interval '10 days' END",
        }
        params = {
            "indicateurs": indicateurs,
            "niveaux": niveaux,
            "annee": annee,
            "source": SOURCE,
            "origine": Valeur.Origine.DEMO,
            "motif": "Valeur à vérifier (banc d’essai).",
            "valide": S.VALIDE,
            "soumis": S.SOUMIS,
            "brouillon": S.BROUILLON,
            "renvoye": S.RENVOYE,
            "p_valide": valide,
            "p_soumis": valide + soumis,
            "p_brouillon": valide + soumis + brouillon,
            "u_np": U.NOMBRE_PART,
            "u_part": U.PART,
            "u_taux": U.TAUX,
            "u_nombre": U.NOMBRE,
        }
        # Les valeurs déjà là (chiffres clés du contrat chargés par load_referentiel) restent.
        n = inserer(
            self.c, Valeur, expressions, f"FROM ({tirages}) x", params, ignorer_conflits=True
        )
        return {"valeurs": n}

    def historique_valeurs(self):
        """Une partie des valeurs a son historique : la création, puis la validation."""
        from indicateurs.models import Valeur

        part = self.p.pour_cent_historique / 100
        choisies = (
            f"{colonne(Valeur, 'source', 'b')} = %(source)s "
            f"AND {alea(colonne(Valeur, 'id', 'b'), 11)} < %(part)s"
        )
        params = {"source": SOURCE, "part": part, "valide": Valeur.Statut.VALIDE}
        creation = (
            f"coalesce({colonne(Valeur, 'soumis_le', 'b')}, "
            f"make_date({colonne(Valeur, 'annee', 'b')} + 1, 1, 20)::timestamptz)"
        )
        n = copier_historique(
            self.c,
            Valeur,
            choisies,
            creation,
            "Valeur synthétique (banc d’essai)",
            params=params,
        )
        n += copier_historique(
            self.c,
            Valeur,
            f"{choisies} AND {colonne(Valeur, 'statut', 'b')} = %(valide)s",
            colonne(Valeur, "valide_le", "b"),
            "Valeur validée",
            type_="~",
            params=params,
        )
        return {"lignes d’historique": n}

    # --- structures et fiches ----------------------------------------------------------------

    def preparer_rangs(self):
        """Tables temporaires de correspondance rang → identifiant (QPV avec leur commune,
        engagements, signataires) : les tirages SQL choisissent un rang."""
        from engagements.models import Engagement, Signataire
        from quartiers.models import Quartier

        lignes = []
        for rang, q in enumerate(
            Quartier.objects.prefetch_related("arrondissements").order_by("ordre", "pk"), 1
        ):
            arrondissements = sorted(q.arrondissements.all(), key=lambda a: a.numero)
            if q.slug in self.geographie:
                commune, departement = self.geographie[q.slug]
                ville = f"Commune synthétique {commune:04d}"
                dep = f"Département synthétique {departement:03d}"
            else:
                ville, dep = "Paris", "Paris (75)"
            arr = arrondissements[0].pk if arrondissements else None
            lignes.append((rang, q.pk, arr, ville, dep, q.slug.startswith(PREFIXE)))
        self.nb_quartiers = len(lignes)
        c = self.c
        c.execute(
            "CREATE TEMP TABLE bench_rang_quartier (rang int PRIMARY KEY, quartier_id bigint, "
            "arrondissement_id bigint, commune text, departement text, synthetique boolean) "
            "ON COMMIT DROP"
        )
        c.execute(
            "INSERT INTO bench_rang_quartier SELECT * FROM unnest(%s::int[], %s::bigint[], "
            "%s::bigint[], %s::text[], %s::text[], %s::boolean[])",
            [list(col) for col in zip(*lignes, strict=True)],
        )
        for nom_table, modele in (
            ("bench_rang_engagement", Engagement),
            ("bench_rang_signataire", Signataire),
        ):
            ids = list(modele.objects.order_by("pk").values_list("pk", flat=True))
            c.execute(
                f"CREATE TEMP TABLE {nom_table} (rang int PRIMARY KEY, id bigint) ON COMMIT DROP"
            )
            c.execute(
                f"INSERT INTO {nom_table} SELECT * FROM unnest(%s::int[], %s::bigint[])",
                [list(range(1, len(ids) + 1)), ids],
            )
            setattr(self, f"nb_{nom_table.rsplit('_', 1)[1]}s", len(ids))

    def structures(self):
        from structures.models import Structure

        p, S = self.p, Structure
        w = max(5, len(str(p.structures)))
        expressions = {
            "slug": f"%(prefixe_slug)s || lpad(g::text, {w}, '0')",
            "nom": f"'Structure synthétique ' || lpad(g::text, {w}, '0')",
            "type": "(%(types)s::text[])[1 + mod(g, %(nb_types)s)]",
            "adresse": "g || ' rue du Banc-d’Essai'",
            "code_postal": "lpad(mod(g, 95)::text, 2, '0') || '000'",
            "commune": "rq.commune",
            "arrondissement": "rq.arrondissement_id",
            "departement": "rq.departement",
            "hors_paris": "false",
            "annee_creation": "1960 + mod(g, 60)",
            "salaries": f"floor(40 * {alea('g', 41)})::int",
            "benevoles": f"floor(120 * {alea('g', 42)})::int",
            "adherents": f"floor(900 * {alea('g', 43)})::int",
            "budget": f"round((20000 + 1500000 * {alea('g', 44)})::numeric, 2)",
            "description": "'Structure synthétique du banc d’essai : aucune donnée réelle.'",
            "source": "%(source)s",
            "langue": "'fr'",
        }
        params = {
            "prefixe_slug": f"{PREFIXE}structure-",
            "types": list(S.Type.values),
            "nb_types": len(S.Type.values),
            "source": SOURCE,
            "nb_structures": p.structures,
            "nb_quartiers": self.nb_quartiers,
        }
        n = inserer(
            self.c,
            S,
            expressions,
            "FROM generate_series(1, %(nb_structures)s) g JOIN bench_rang_quartier rq "
            "ON rq.rang = 1 + ((g - 1)::bigint * %(nb_quartiers)s) / %(nb_structures)s",
            params,
        )
        c = self.c
        c.execute(
            "CREATE TEMP TABLE bench_rang_structure ON COMMIT DROP AS "
            f"SELECT row_number() OVER (ORDER BY {colonne(S, 'slug')})::int AS rang, "
            f"{colonne(S, 'id')} AS id FROM {table(S)} "
            f"WHERE starts_with({colonne(S, 'slug')}, %(prefixe)s)",
            {"prefixe": PREFIXE},
        )
        Lien = S.quartiers.through
        # Chaque structure agit dans son QPV, et une sur trois aussi dans le suivant.
        liens = inserer(
            self.c,
            Lien,
            {"structure": "rs.id", "quartier": "rq.quartier_id"},
            "FROM bench_rang_structure rs CROSS JOIN (VALUES (0), (1)) AS d(decalage) "
            "JOIN bench_rang_quartier rq ON rq.rang = "
            "1 + ((rs.rang - 1)::bigint * %(nb_quartiers)s) / %(nb_structures)s + d.decalage "
            "WHERE d.decalage = 0 OR mod(rs.rang, 3) = 0",
            params,
        )
        historiques = copier_historique(
            self.c,
            S,
            f"starts_with({colonne(S, 'slug', 'b')}, %(prefixe)s)",
            "now()",
            "Banc d’essai : structure synthétique",
            params={"prefixe": PREFIXE},
        )
        return {
            "structures": n,
            "liens structure-QPV": liens,
            "lignes d’historique": historiques,
        }

    def fiches(self):
        from structures import listes
        from structures.models import FicheAction, TransitionFiche

        p, F = self.p, FicheAction
        w = max(6, len(str(p.fiches)))
        premiere_annee = max(self.p.annee_debut, self.p.annee_campagne - 6)
        statut = (
            f"CASE WHEN {alea('g', 51)} < 0.60 THEN %(validee)s "
            f"WHEN {alea('g', 51)} < 0.75 THEN %(soumise)s "
            f"WHEN {alea('g', 51)} < 0.95 THEN %(brouillon)s ELSE %(renvoyee)s END"
        )
        annee = "%(premiere_annee)s + mod(g, %(nb_annees)s)"
        codes = {
            nom_liste: [code for code, _ in getattr(listes, nom_liste)]
            for nom_liste in ("DIMENSIONS", "MOTS_CLES", "INITIATIVES", "TERRITOIRES", "PUBLICS")
        }

        def dans(liste, decalage=0):
            return f"(%({liste})s::text[])[1 + mod(g + {decalage}, {len(codes[liste])})]"

        expressions = {
            "structure": "rs.id",
            "titre": f"'Fiche-action synthétique ' || lpad(g::text, {w}, '0')",
            "annee": annee,
            "statut": statut,
            "etat": "CASE WHEN mod(g, 3) = 0 THEN %(terminee)s ELSE %(en_cours)s END",
            "motif_fin": "CASE WHEN mod(g, 3) = 0 THEN 'Action menée à son terme.' ELSE '' END",
            "dimension": dans("DIMENSIONS"),
            "mots_cles": f"jsonb_build_array({dans('MOTS_CLES')}, {dans('MOTS_CLES', 5)})",
            "resume": "'Résumé synthétique de l’action ' || g || ' (banc d’essai).'",
            "initiative": f"jsonb_build_array({dans('INITIATIVES')})",
            "territoire": dans("TERRITOIRES"),
            "description": "'Description synthétique : objectifs, acteurs, phases (banc d’essai).'",
            "publics": f"jsonb_build_array({dans('PUBLICS')})",
            "nb_beneficiaires": f"10 + floor(490 * {alea('g', 52)})::int",
            "nb_beneficiaires_qpv": f"5 + floor(5 * {alea('g', 52)})::int",
            "source": "%(source)s",
            "langue": "'fr'",
            "cree_le": f"(make_date({annee}, 1 + mod(g, 12), 1 + mod(g, 28)))::timestamptz",
            "modifie_le": f"least(now(), (make_date({annee}, 1 + mod(g, 12), 1 + mod(g, 28)) "
            "+ 30)::timestamptz)",
        }
        S = F.Statut
        params = {
            **codes,
            "validee": S.VALIDEE,
            "soumise": S.SOUMISE,
            "brouillon": S.BROUILLON,
            "renvoyee": S.RENVOYEE,
            "terminee": F.Etat.TERMINEE,
            "en_cours": F.Etat.EN_COURS,
            "premiere_annee": premiere_annee,
            "nb_annees": self.p.annee_campagne - premiere_annee + 1,
            "source": SOURCE,
            "nb_fiches": p.fiches,
            "nb_structures": p.structures,
        }
        n = inserer(
            self.c,
            F,
            expressions,
            "FROM generate_series(1, %(nb_fiches)s) g JOIN bench_rang_structure rs "
            f"ON rs.rang = 1 + floor({alea('g', 53)} * %(nb_structures)s)::int",
            params,
        )
        synthetiques = f"{colonne(F, 'source', 'f')} = %(source)s"
        LienQ, LienE = F.quartiers.through, F.engagements.through
        SQ = F._meta.get_field("structure").related_model.quartiers.through
        liens_q = inserer(
            self.c,
            LienQ,
            {"ficheaction": f"f.{colonne(F, 'id')}", "quartier": f"sq.{colonne(SQ, 'quartier')}"},
            f"FROM {table(F)} f JOIN {table(SQ)} sq "
            f"ON sq.{colonne(SQ, 'structure')} = f.{colonne(F, 'structure')} WHERE {synthetiques}",
            {"source": SOURCE},
        )
        fid = f"f.{colonne(F, 'id')}"
        liens_e = inserer(
            self.c,
            LienE,
            {"ficheaction": fid, "engagement": "re.id"},
            f"FROM {table(F)} f CROSS JOIN (VALUES (1, 1.0), (2, 0.5), (3, 0.2)) AS k(n, part) "
            f"JOIN bench_rang_engagement re ON re.rang = 1 + mod("
            f"floor({alea(fid, 54)} * %(nb)s)::int + k.n - 1, %(nb)s) "
            f"WHERE {synthetiques} AND {alea(fid + ' * 7 + k.n', 55)} < k.part",
            {"source": SOURCE, "nb": self.nb_engagements},
            ignorer_conflits=True,
        )
        T = TransitionFiche
        statut_f = colonne(F, "statut", "f")
        transitions = inserer(
            self.c,
            T,
            {
                "fiche": fid,
                "de": f"CASE WHEN {statut_f} = %(soumise)s THEN %(brouillon)s ELSE %(soumise)s END",
                "vers": statut_f,
                # Étalées sur les 400 derniers jours : quelques-unes sont « récentes ».
                "le": f"now() - {alea(fid, 56)} * interval '400 days'",
                "motif": f"CASE WHEN {statut_f} = %(renvoyee)s "
                "THEN 'À compléter (banc d’essai).' ELSE '' END",
            },
            f"FROM {table(F)} f WHERE {synthetiques} AND {statut_f} <> %(brouillon)s",
            {**params, "source": SOURCE},
        )
        historiques = copier_historique(
            self.c,
            F,
            f"{colonne(F, 'source', 'b')} = %(source)s",
            colonne(F, "cree_le", "b"),
            "Banc d’essai : fiche-action synthétique",
            params={"source": SOURCE},
        )
        return {
            "fiches-actions": n,
            "liens fiche-QPV": liens_q,
            "liens fiche-engagement": liens_e,
            "étapes de validation": transitions,
            "lignes d’historique": historiques,
        }

    # --- projets et bilan ---------------------------------------------------------------------

    def projets(self):
        from quartiers.models import ProjetStructurant, SuiviProjet

        P = ProjetStructurant
        cle = "rq.rang * 100 + k"
        expressions = {
            "quartier": "rq.quartier_id",
            "ordre": "k",
            "nom": "'Projet synthétique ' || rq.rang || '-' || k",
            "descriptif": "'Projet structurant synthétique du banc d’essai.'",
            "adresse": "'Adresse synthétique'",
            "cartographiable": "true",
            "statut": f"(%(statuts)s::text[])[1 + floor({alea(cle, 61)} * %(nb_statuts)s)::int]",
            "annee_echeance": f"CASE WHEN {alea(cle, 62)} < 0.5 THEN 2018 + floor(13 * {alea(cle, 63)})::int END",
        }
        statuts = list(P.Statut.values)
        n = inserer(
            self.c,
            P,
            expressions,
            "FROM bench_rang_quartier rq CROSS JOIN generate_series(1, %(k)s) k "
            "WHERE rq.synthetique",
            {"statuts": statuts, "nb_statuts": len(statuts), "k": self.p.projets_par_qpv},
        )

        def synthetiques(alias):
            return (
                f"{colonne(P, 'quartier', alias)} IN "
                "(SELECT quartier_id FROM bench_rang_quartier WHERE synthetique)"
            )

        pid = f"p.{colonne(P, 'id')}"
        suivis = inserer(
            self.c,
            SuiviProjet,
            {
                "projet": pid,
                "date": f"make_date(%(annee)s, 1 + mod({pid}, 12)::int, 1 + mod({pid}, 28)::int)",
                "statut": colonne(P, "statut", "p"),
                "commentaire": "'Étape de suivi synthétique (banc d’essai).'",
                "cree_le": "now()",
            },
            f"FROM {table(P)} p WHERE {synthetiques('p')} AND {alea(pid, 64)} < 0.2",
            {"annee": self.p.annee_campagne},
        )
        historiques = copier_historique(
            self.c,
            P,
            synthetiques("b"),
            "now()",
            "Banc d’essai : projet synthétique",
        )
        return {
            "projets structurants": n,
            "étapes de suivi": suivis,
            "lignes d’historique": historiques,
        }

    def bilan(self):
        from bilan.models import DISPOSITIFS_SUGGERES, Credit, EtudeQualitative
        from engagements.models import Engagement
        from quartiers.models import Quartier

        C = Credit
        cle = "(rq.rang * 1000 + k) * 10 + a.n"
        commun = {
            "signataire": "rs.id",
            "type": f"(%(types)s::text[])[1 + floor({alea(cle, 71)} * 2)::int]",
            "montant": f"round((2000 + 398000 * {alea(cle, 72)})::numeric, 2)",
            "engagement": f"CASE WHEN {alea(cle, 73)} < 0.7 THEN re.id END",
            "dispositif": f"(%(dispositifs)s::text[])[1 + floor({alea(cle, 74)} * %(nb_dispositifs)s)::int]",
            "commentaire": "%(commentaire)s",
            "annee": "a.annee",
            "cree_le": "now()",
            "modifie_le": "now()",
        }
        params = {
            "types": list(C.Type.values),
            "dispositifs": DISPOSITIFS_SUGGERES,
            "nb_dispositifs": len(DISPOSITIFS_SUGGERES),
            "commentaire": f"{MARQUE_CREDIT} crédit synthétique",
            "k": self.p.credits_par_qpv,
            "annees": [self.p.annee_campagne - 1, self.p.annee_campagne],
            "nb_signataires": self.nb_signataires,
            "nb_engagements": self.nb_engagements,
        }
        jointures = (
            "CROSS JOIN generate_series(1, %(k)s) k "
            "CROSS JOIN unnest(%(annees)s::int[]) WITH ORDINALITY AS a(annee, n) "
            f"JOIN bench_rang_signataire rs ON rs.rang = 1 + floor({alea(cle, 75)} * %(nb_signataires)s)::int "
            f"JOIN bench_rang_engagement re ON re.rang = 1 + floor({alea(cle, 76)} * %(nb_engagements)s)::int"
        )
        # Crédits de QPV (tous les QPV, Paris compris), puis crédits de commune sans QPV.
        n = inserer(
            self.c,
            C,
            {**commun, "quartier": "rq.quartier_id"},
            f"FROM bench_rang_quartier rq {jointures}",
            params,
        )
        n += inserer(
            self.c,
            C,
            {**commun, "arrondissement": "rq.arrondissement_id"},
            f"FROM bench_rang_quartier rq {jointures} WHERE k <= 2 AND rq.synthetique "
            "AND rq.rang = (SELECT min(r2.rang) FROM bench_rang_quartier r2 "
            "WHERE r2.arrondissement_id = rq.arrondissement_id)",
            params,
        )
        engagements = list(Engagement.objects.all())
        quartiers = list(Quartier.objects.filter(slug__startswith=PREFIXE))
        etudes = EtudeQualitative.objects.bulk_create(
            EtudeQualitative(
                titre=f"{MARQUE_CREDIT} étude synthétique {k:04d}",
                annee=self.p.annee_campagne - (k % 2),
                realisee_par="Équipe du banc d’essai",
                resume="Résumé synthétique d’une étude du banc d’essai. " * 10,
            )
            for k in range(1, self.p.etudes + 1)
        )
        LienE = EtudeQualitative.engagements.through
        LienQ = EtudeQualitative.quartiers.through
        LienE.objects.bulk_create(
            LienE(etudequalitative_id=e.pk, engagement_id=g.pk)
            for e in etudes
            for g in self.alea.sample(engagements, 2)
        )
        if quartiers:
            LienQ.objects.bulk_create(
                LienQ(etudequalitative_id=e.pk, quartier_id=q.pk)
                for k, e in enumerate(etudes)
                for q in self.alea.sample(quartiers, min(len(quartiers), 1 + k % 3))
            )
        return {"crédits": n, "études qualitatives": len(etudes)}
