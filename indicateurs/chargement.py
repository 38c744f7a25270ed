"""Ce que load_referentiel charge pour la campagne des indicateurs : les territoires, les
indicateurs de contexte et les chiffres clés des fiches quartiers en valeurs validées.

Règles (issue 3) :
- seuls les chiffres du contrat sont chargés, jamais une valeur inventée ;
- un chiffre clé imprimé avec une valeur par partie nommée (« 32 % à Bédier Boutroux et 36 % à
  Villa d’Este ») est chargé sur ces parties (territoires « partie de QPV » rattachés au QPV),
  jamais sur le QPV entier ; un autre chiffre sans valeur unique n'est pas chargé, et le
  compte rendu le dit ;
- la provenance du chiffre suit la valeur : réserve de périmètre (« chiffre du Grand
  Belleville (10e, 11e, 20e) ») et marque de déduction avec son motif, pour ne pas faire passer
  un chiffre plus large pour une mesure du seul territoire, ni une déduction pour la source ;
- si deux fiches donnent des valeurs « à Paris » différentes pour le même indicateur et la
  même année, aucune n'est chargée et le conflit est signalé (on ne choisit pas en silence) ;
- une valeur chargée qui a été modifiée ou a changé de statut dans le portail n'est plus
  jamais réécrite ; un second chargement ne crée ni ne modifie rien.
"""

import re
from collections import defaultdict
from decimal import Decimal

from django.utils import timezone

from indicateurs.models import Indicateur, Territoire, Valeur, nombre_fr
from quartiers.models import Arrondissement, ChiffreCle, Quartier
from socle.chiffres import accord, compte_fr

T = Territoire.Type
U = Indicateur.Unite

# Indicateurs de contexte qui portent les chiffres clés des fiches quartiers : aucune puce du
# contrat ne les mesure (E05-2, par exemple, compte les familles monoparentales qui
# fréquentent les LEAP, pas leur part dans la population). Code stable, libellé, unité, et
# libellés des chiffres clés rattachés (comparés sans espaces ni casse : l'extraction garde
# « Part de familles monoparentale s » tel qu'imprimé).
CONTEXTE = [
    ("CTX-POPULATION", "Nombre d’habitants", U.NOMBRE, ["Nombre d’habitants"]),
    ("CTX-PAUVRETE", "Taux de pauvreté", U.TAUX, ["Taux de pauvreté"]),
    ("CTX-CHOMAGE", "Taux de chômage", U.TAUX, ["Taux de chômage"]),
    (
        "CTX-MOINS-25-ANS",
        "Part de jeunes de moins de 25 ans",
        U.PART,
        ["Part de jeunes de moins de 25 ans"],
    ),
    ("CTX-NEET", "Part de NEET", U.PART, ["Part de NEET"]),
    (
        "CTX-MONOPARENTALES",
        "Part de familles monoparentales",
        U.PART,
        ["Part de familles monoparentales"],
    ),
    ("CTX-65-ANS-ET-PLUS", "Part des 65 ans et plus", U.PART, ["Part des 65 ans et +"]),
]
NIVEAUX_CONTEXTE = [T.PARIS, T.ENSEMBLE_QPV, T.QPV, T.SECTEUR]
DEFINITION_CONTEXTE = (
    "Chiffre clé des fiches quartiers du contrat de ville parisien 2024-2030, comparé à Paris. "
    "Indicateur de contexte ajouté par le portail : aucune puce « Les indicateurs à suivre » "
    "ne le mesure."
)


def cle_libelle(libelle):
    """Libellé comparable : minuscules, sans espaces, apostrophes unifiées."""
    return re.sub(r"\s+", "", libelle.replace("’", "'")).lower()


CODES_PAR_LIBELLE = {cle_libelle(lib): code for code, _, _, libs in CONTEXTE for lib in libs}


def code_territoire_qpv(quartier):
    return f"qpv-{quartier.slug}"


def code_territoire_secteur(secteur):
    return f"secteur-{secteur.slug}"


def code_territoire_partie(partie):
    return f"partie-{partie['slug']}"


def charger_territoires(synchro):
    """Paris, l'ensemble des QPV, chaque QPV suivi de ses secteurs, les arrondissements qui
    comptent un QPV, et les réseaux REP / REP+. Idempotent (upsert par `code`)."""
    synchro.upsert(Territoire, {"code": "paris"}, {"type": T.PARIS, "nom": "Paris", "ordre": 1})
    synchro.upsert(
        Territoire,
        {"code": "ensemble-qpv"},
        {"type": T.ENSEMBLE_QPV, "nom": "Ensemble des QPV parisiens", "ordre": 2},
    )
    for q in Quartier.objects.prefetch_related("secteurs").order_by("ordre", "pk"):
        base = 100 + q.ordre * 20
        synchro.upsert(
            Territoire,
            {"code": code_territoire_qpv(q)},
            {"type": T.QPV, "nom": q.nom, "ordre": base, "quartier_id": q.pk},
        )
        for s in sorted(q.secteurs.all(), key=lambda s: (s.ordre, s.pk)):
            synchro.upsert(
                Territoire,
                {"code": code_territoire_secteur(s)},
                {
                    "type": T.SECTEUR,
                    "nom": f"{s.nom} ({q.nom})",
                    "ordre": base + s.ordre,
                    "quartier_id": q.pk,
                    "secteur_id": s.pk,
                },
            )
    # Les parties qu'un chiffre clé double nomme, rattachées à leur QPV (après ses secteurs).
    parties = ChiffreCle.objects.exclude(parties=[]).select_related("quartier")
    for c in parties.order_by("quartier__ordre", "ordre"):
        for rang, p in enumerate(c.parties, start=1):
            synchro.upsert(
                Territoire,
                {"code": code_territoire_partie(p)},
                {
                    "type": T.PARTIE,
                    "nom": f"{p['nom']} ({c.quartier.nom})",
                    "ordre": 100 + c.quartier.ordre * 20 + 15 + rang,
                    "quartier_id": c.quartier_id,
                },
            )
    arrondissements = Arrondissement.objects.filter(quartiers__isnull=False).distinct()
    for a in arrondissements.order_by("numero"):
        synchro.upsert(
            Territoire,
            {"code": f"arrondissement-{a.numero}"},
            {
                "type": T.ARRONDISSEMENT,
                "nom": a.libelle,
                "ordre": 1000 + a.numero,
                "arrondissement_id": a.pk,
            },
        )
    synchro.upsert(
        Territoire,
        {"code": "rep"},
        {"type": T.REP, "nom": "Réseaux d’éducation prioritaire (REP)", "ordre": 2000},
    )
    synchro.upsert(
        Territoire,
        {"code": "rep-plus"},
        {
            "type": T.REP_PLUS,
            "nom": "Réseaux d’éducation prioritaire renforcés (REP+)",
            "ordre": 2001,
        },
    )


def charger_indicateurs_contexte(synchro):
    """Crée les indicateurs de contexte manquants. Leurs métadonnées ne sont écrites qu'à la
    création : le SPV peut ensuite les modifier sans que le chargement ne les rétablisse."""
    existants = set(
        Indicateur.objects.filter(code__in=[c[0] for c in CONTEXTE]).values_list("code", flat=True)
    )
    indicateurs = {}
    for rang, (code, libelle, unite, _libelles) in enumerate(CONTEXTE, start=1):
        champs = {}
        if code not in existants:
            champs = {
                "libelle": libelle,
                "nature": Indicateur.Nature.CONTEXTE,
                "unite": unite,
                "ordre": rang,
                "niveaux": [str(n) for n in NIVEAUX_CONTEXTE],
                "definition": DEFINITION_CONTEXTE,
            }
        indicateurs[code] = synchro.upsert(Indicateur, {"code": code}, champs)
    return indicateurs


def charger_chiffres_cles(synchro):
    """Les chiffres clés des fiches quartiers (ChiffreCle, déjà chargés) deviennent des valeurs
    validées des indicateurs de contexte : la valeur du QPV ou du secteur sur son territoire, la
    valeur « à Paris » sur le territoire Paris. Retourne les lignes du compte rendu (chiffres
    non chargés et pourquoi, conflits, valeurs préservées)."""
    indicateurs = charger_indicateurs_contexte(synchro)
    territoires = {t.code: t for t in Territoire.objects.all()}
    rapport = []
    a_ecrire = {}  # (code, territoire, année) → (valeur, source, commentaire, provenance)
    paris = defaultdict(list)  # (code, année) → [(valeur, source, où)]
    chiffres = ChiffreCle.objects.select_related("quartier", "secteur").order_by(
        "quartier__ordre", "ordre"
    )
    for c in chiffres:
        lieu = c.secteur.nom if c.secteur_id else c.quartier.nom
        code = CODES_PAR_LIBELLE.get(cle_libelle(c.libelle))
        if code is None:
            rapport.append(
                f"Chiffre clé non rattaché à un indicateur (libellé inconnu) : « {c.libelle} » "
                f"({lieu}) — non chargé."
            )
            continue
        if c.annee is None:
            rapport.append(f"Chiffre clé sans année : « {c.libelle} » ({lieu}) — non chargé.")
            continue
        territoire = territoires[
            code_territoire_secteur(c.secteur) if c.secteur_id else code_territoire_qpv(c.quartier)
        ]
        provenance = {
            "reserve_perimetre": c.reserve_perimetre,
            "deduite": c.deduite,
            "motif_deduction": c.motif_deduction,
        }
        if c.valeur is None and c.parties:
            for p in c.parties:
                cle = (code, code_territoire_partie(p), c.annee)
                a_ecrire[cle] = (
                    Decimal(str(p["valeur"])),
                    c.source,
                    f"Chiffre clé de la fiche quartier du contrat de ville : {c.libelle} — "
                    f"« {c.texte} » ; valeur de la partie {p['nom']}.",
                    provenance,
                )
        elif c.valeur is None:
            precision = (
                f" ({c.qualificatif})" if c.qualificatif and c.qualificatif != c.texte else ""
            )
            rapport.append(
                f"Chiffre clé sans valeur unique, non chargé : {c.libelle} à {lieu} — "
                f"« {c.texte} »{precision}."
            )
        else:
            commentaire = f"Chiffre clé de la fiche quartier du contrat de ville : {c.libelle}"
            commentaire += f" — « {c.texte} »."
            cle = (code, territoire.code, c.annee)
            if cle in a_ecrire and (a_ecrire[cle] is None or a_ecrire[cle][0] != c.valeur):
                if a_ecrire[cle] is not None:
                    rapport.append(
                        f"Deux chiffres différents pour {code} à {territoire.nom} en {c.annee} : "
                        "aucun n’est chargé."
                    )
                a_ecrire[cle] = None
            elif cle not in a_ecrire:
                a_ecrire[cle] = (Decimal(c.valeur), c.source, commentaire, provenance)
        if c.valeur_paris is not None:
            paris[(code, c.annee)].append((Decimal(c.valeur_paris), c.source, lieu, c))

    for (code, annee), citations in paris.items():
        valeurs = sorted({v for v, _, _, _ in citations})
        if len(valeurs) > 1:
            detail = " ; ".join(
                f"{nombre_fr(v)} ({', '.join(lieu for w, _, lieu, _ in citations if w == v)})"
                for v in valeurs
            )
            rapport.append(
                f"Valeurs « à Paris » divergentes pour {code} en {annee} : {detail}. Aucune "
                "n’est chargée : le SPV doit arbitrer."
            )
            continue
        sources = list(dict.fromkeys(s for _, s, _, _ in citations))
        # La valeur de Paris n'a pas de réserve de périmètre ; sa source est attribuée comme
        # celle des fiches qui la citent : le plus court de leurs motifs (sans la réserve de
        # périmètre propre à une fiche).
        motifs = sorted((c.motif_deduction for *_, c in citations if c.deduite), key=len)
        a_ecrire[(code, "paris", annee)] = (
            valeurs[0],
            " ; ".join(sources),
            f"Valeur « à Paris » citée en comparaison par {compte_fr(len(citations), 'fiche')} quartier "
            "du contrat de ville.",
            {
                "reserve_perimetre": "",
                "deduite": bool(motifs),
                "motif_deduction": motifs[0] if motifs else "",
            },
        )

    # Seules les valeurs que ce chargement peut toucher (indicateurs de contexte × territoires
    # et années des fiches quartiers) sont lues, jamais toutes les valeurs de la base.
    cles = [cle for cle, donnees in a_ecrire.items() if donnees is not None]
    touchables = Valeur.objects.filter(
        indicateur__in=indicateurs.values(),
        territoire__in=[territoires[t] for _, t, _ in cles],
        annee__in={annee for _, _, annee in cles},
    )
    synchro.precharger(Valeur, ("indicateur_id", "territoire_id", "annee"), touchables)
    existantes = {
        (v.indicateur_id, v.territoire_id, v.annee): v
        for v in touchables.only("indicateur_id", "territoire_id", "annee", "origine", "version")
    }
    preservees = 0
    for (code, code_territoire, annee), donnees in a_ecrire.items():
        if donnees is None:
            continue
        valeur, source, commentaire, provenance = donnees
        indicateur, territoire = indicateurs[code], territoires[code_territoire]
        existante = existantes.get((indicateur.pk, territoire.pk, annee))
        if existante is not None and (
            existante.origine != Valeur.Origine.REFERENTIEL or existante.version > 1
        ):
            # Saisie, importée, ou touchée dans le portail (modifiée, renvoyée…) : à l'utilisateur.
            preservees += 1
            continue
        champs = {
            "valeur": valeur,
            "source": source,
            "commentaire": commentaire,
            "statut": Valeur.Statut.VALIDE,
            "origine": Valeur.Origine.REFERENTIEL,
            **provenance,
        }
        if existante is None:
            champs["valide_le"] = timezone.now()
        synchro.upsert(
            Valeur,
            {"indicateur_id": indicateur.pk, "territoire_id": territoire.pk, "annee": annee},
            champs,
        )
    if preservees:
        rapport.append(
            f"{compte_fr(preservees, 'valeur')} de chiffres clés "
            f"{accord(preservees, 'modifiée')} dans le portail : {accord(preservees, 'préservée')}."
        )
    return rapport
