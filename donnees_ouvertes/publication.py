"""Le paquet de données ouvertes : tables mises en forme avec pandas, décrites par un Table
Schema chacune, rassemblées dans un `datapackage.json` (Frictionless Data Package, Licence
Ouverte 2.0), validées par la bibliothèque `frictionless`, puis écrites dans le stockage.

Ce qui est publié : le référentiel (thématiques, engagements, indicateurs), les territoires,
les valeurs validées et réelles (jamais de démonstration) avec leur provenance, les projets
structurants, et les fiches-actions validées des seules structures qui ont accepté la
publication (`Structure.publication_consentie`, faux par défaut).

Ce qui ne l'est jamais : données personnelles (utilisateurs, auteurs, courriels), pièces
jointes, coordonnées des structures (adresse, code postal, SIRET, RNA), commentaires libres des
producteurs et motifs de renvoi. Chaque table déclare ses colonnes : rien d'autre ne sort."""

import io
import json
import logging
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError, transaction
from django.utils import timezone

from donnees_ouvertes.models import JeuPublie
from engagements.models import Engagement, Thematique
from indicateurs.models import Indicateur, Territoire, Valeur
from quartiers.models import ProjetStructurant
from structures.models import FicheAction

LICENCE = {
    "name": "etalab-2.0",
    "title": "Licence Ouverte / Open Licence version 2.0",
    "path": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
}
SOURCES = [
    {"title": "Contrat de ville parisien 2024-2030 (référentiel, fiches quartiers)"},
    {
        "title": "Portail du contrat de ville parisien : valeurs saisies par les partenaires "
        "producteurs et validées par la Ville de Paris (DDCT, Service Politique de la Ville)"
    },
]
DOSSIER = "donnees-ouvertes"

logger = logging.getLogger(__name__)


class PublicationRefusee(Exception):
    """Le paquet ne passe pas la validation : rien n'est publié (message en français)."""


@dataclass
class Champ:
    """Une colonne d'une ressource : nom, type Table Schema, description."""

    nom: str
    type: str  # string, integer, number, boolean, date
    description: str
    requis: bool = False

    def schema(self):
        champ = {"name": self.nom, "type": self.type, "description": self.description}
        if self.type == "boolean":
            champ["trueValues"], champ["falseValues"] = ["true"], ["false"]
        if self.requis:
            champ["constraints"] = {"required": True}
        return champ


@dataclass
class Ressource:
    """Une table publiée : son Table Schema et la fonction qui la construit (DataFrame)."""

    nom: str
    titre: str
    description: str
    champs: list
    construire: object
    cle_primaire: list = field(default_factory=list)
    cles_etrangeres: list = field(default_factory=list)

    @property
    def fichier(self):
        return f"{self.nom}.csv"

    def schema(self):
        schema = {"fields": [c.schema() for c in self.champs], "missingValues": [""]}
        if self.cle_primaire:
            schema["primaryKey"] = self.cle_primaire
        if self.cles_etrangeres:
            schema["foreignKeys"] = [
                {"fields": [champ], "reference": {"resource": ressource, "fields": [cible]}}
                for champ, ressource, cible in self.cles_etrangeres
            ]
        return schema

    def table(self):
        """Le DataFrame de la ressource, colonnes dans l'ordre du schéma et typées."""
        import pandas as pd  # à la demande : les pages web ne paient pas son import

        lignes = list(self.construire())
        df = pd.DataFrame.from_records(lignes, columns=[c.nom for c in self.champs])
        for c in self.champs:
            if c.type == "integer":
                df[c.nom] = pd.to_numeric(df[c.nom]).astype("Int64")
            elif c.type == "number":
                df[c.nom] = pd.to_numeric(df[c.nom].map(_flottant)).astype("Float64")
            elif c.type == "boolean":
                df[c.nom] = df[c.nom].map(lambda b: "true" if b else "false")
            elif c.type == "date":
                df[c.nom] = df[c.nom].map(lambda d: d.isoformat() if d else "")
            else:
                df[c.nom] = df[c.nom].fillna("").astype(str)
        return df

    def descripteur(self, lignes, octets):
        return {
            "name": self.nom,
            "title": self.titre,
            "description": self.description,
            "path": self.fichier,
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "profile": "tabular-data-resource",
            "dialect": {"delimiter": ",", "quoteChar": '"', "header": True},
            "schema": self.schema(),
            "licenses": [LICENCE],
            "sources": SOURCES,
            "stats": {"rows": lignes, "bytes": octets},
        }


def _flottant(v):
    return None if v is None else float(v)


def _liste(valeurs):
    return ";".join(str(v) for v in valeurs)


# --- les tables ------------------------------------------------------------------------------


def _thematiques():
    return Thematique.objects.order_by("numero").values("numero", "titre")


def _engagements():
    for e in Engagement.objects.order_by("numero").values("numero", "thematique__numero", "titre"):
        yield {"numero": e["numero"], "thematique": e["thematique__numero"], "titre": e["titre"]}


def _indicateurs():
    qs = Indicateur.objects.select_related("engagement", "producteur").order_by(
        "engagement__numero", "ordre", "code"
    )
    for i in qs:
        yield {
            "code": i.code,
            "engagement": i.engagement.numero if i.engagement_id else None,
            "libelle": i.libelle,
            "nature": i.nature,
            "unite": i.unite,
            "producteur": i.producteur.nom if i.producteur_id else "",
            "definition": i.definition,
            "methode": i.methode,
        }


def _territoires():
    qs = Territoire.objects.select_related("quartier", "secteur", "arrondissement")
    for t in qs.order_by("ordre", "code"):
        yield {
            "code": t.code,
            "type": t.type,
            "nom": t.nom,
            "qpv": t.quartier.slug if t.quartier_id else "",
            "secteur": t.secteur.slug if t.secteur_id else "",
            "arrondissement": t.arrondissement.numero if t.arrondissement_id else None,
        }


def _valeurs():
    # Valeurs validées et réelles seulement ; ni commentaire libre ni auteur.
    qs = (
        Valeur.objects.validees()
        .reelles()
        .select_related("indicateur", "territoire")
        .order_by("indicateur__code", "territoire__code", "annee")
    )
    for v in qs:
        yield {
            "indicateur": v.indicateur.code,
            "territoire": v.territoire.code,
            "annee": v.annee,
            "valeur": v.valeur,
            "nombre": v.nombre,
            "base": v.base,
            "unite": v.indicateur.unite,
            "source": v.source,
            "reserve_perimetre": v.reserve_perimetre,
            "deduite": v.deduite,
            "motif_deduction": v.motif_deduction,
            "validee_le": timezone.localdate(v.valide_le) if v.valide_le else None,
        }


def _projets():
    qs = ProjetStructurant.objects.select_related("quartier", "secteur").order_by(
        "quartier__ordre", "ordre"
    )
    for p in qs:
        yield {
            "qpv": p.quartier.slug,
            "ordre": p.ordre,
            "secteur": p.secteur.slug if p.secteur_id else "",
            "nom": p.nom,
            "descriptif": p.descriptif,
            "adresse": p.adresse,
            "statut": p.statut,
            "statut_imprime": p.statut_brut,
            "annee_echeance": p.annee_echeance,
        }


def _fiches():
    qs = (
        FicheAction.objects.validees()
        .filter(structure__publication_consentie=True)
        .select_related("structure")
        .prefetch_related("engagements", "quartiers")
        .order_by("pk")
    )
    for f in qs:
        yield {
            "identifiant": f.cle or f"portail-{f.pk}",
            "titre": f.titre,
            "structure": f.structure.nom,
            "type_structure": f.structure.type,
            "annee": f.annee,
            "etat": f.etat,
            "dimension": f.dimension,
            "resume": f.resume,
            "engagements": _liste(sorted(e.numero for e in f.engagements.all())),
            "qpv": _liste(sorted(q.slug for q in f.quartiers.all())),
            "source": f.source,
            "deduite": f.deduite,
            "motif_deduction": f.motif_deduction,
        }


def _c(nom, type_, description, requis=False):
    return Champ(nom, type_, description, requis)


PROVENANCE = [
    _c("reserve_perimetre", "string", "Ce que couvre le chiffre quand ce n’est pas exactement "
       "le territoire (« chiffre du Grand Belleville (10e, 11e, 20e) »)."),
    _c("deduite", "boolean", "true : une partie de l’information (source, année, périmètre…) "
       "n’est pas écrite dans la source mais déduite au chargement du référentiel."),
    _c("motif_deduction", "string", "Ce qui a été déduit et pourquoi."),
]  # fmt: skip

RESSOURCES = [
    Ressource(
        "thematiques",
        "Thématiques du contrat de ville",
        "Les 8 thématiques ; un titre vide n’est pas imprimé dans le contrat.",
        [_c("numero", "integer", "Numéro de la thématique.", True),
         _c("titre", "string", "Titre, quand le contrat le donne.")],
        _thematiques,
        ["numero"],
    ),
    Ressource(
        "engagements",
        "Engagements du contrat de ville",
        "Les 30 engagements, rattachés à leur thématique.",
        [_c("numero", "integer", "Numéro de l’engagement.", True),
         _c("thematique", "integer", "Numéro de la thématique.", True),
         _c("titre", "string", "Titre de l’engagement.")],
        _engagements,
        ["numero"],
        [("thematique", "thematiques", "numero")],
    ),
    Ressource(
        "indicateurs",
        "Indicateurs du référentiel d’évaluation",
        "Indicateurs du contrat (code E05-2 : engagement 5, 2e puce) et indicateurs de "
        "contexte du portail (CTX-…) qui portent les chiffres clés des fiches quartiers.",
        [_c("code", "string", "Code stable de l’indicateur.", True),
         _c("engagement", "integer", "Numéro de l’engagement ; vide pour un indicateur de contexte."),
         _c("libelle", "string", "Libellé de l’indicateur."),
         _c("nature", "string", "suivi ou contexte ; vide si non renseignée."),
         _c("unite", "string", "nombre, part, taux, nombre_part ou autre."),
         _c("producteur", "string", "Organisation signataire qui produit les valeurs."),
         _c("definition", "string", "Définition."),
         _c("methode", "string", "Méthode de calcul.")],
        _indicateurs,
        ["code"],
    ),
    Ressource(
        "territoires",
        "Territoires",
        "Paris, l’ensemble des QPV, chaque QPV, ses secteurs et parties nommées, les "
        "arrondissements et les réseaux d’éducation prioritaire.",
        [_c("code", "string", "Code stable du territoire.", True),
         _c("type", "string", "paris, ensemble_qpv, qpv, secteur, partie, arrondissement, rep, "
            "rep_plus.", True),
         _c("nom", "string", "Nom du territoire."),
         _c("qpv", "string", "Identifiant du QPV, pour un QPV, un secteur ou une partie."),
         _c("secteur", "string", "Identifiant du secteur ou micro-quartier."),
         _c("arrondissement", "integer", "Numéro de l’arrondissement.")],
        _territoires,
        ["code"],
    ),
    Ressource(
        "valeurs",
        "Valeurs validées des indicateurs",
        "Valeurs validées par la DDCT/SPV (jamais de valeur de démonstration), avec leur "
        "source et leur provenance.",
        [_c("indicateur", "string", "Code de l’indicateur.", True),
         _c("territoire", "string", "Code du territoire.", True),
         _c("annee", "integer", "Année mesurée.", True),
         _c("valeur", "number", "Valeur ; parts et taux en points de pourcentage."),
         _c("nombre", "integer", "Numérateur (indicateur « nombre et part »)."),
         _c("base", "integer", "Dénominateur (indicateur « nombre et part »)."),
         _c("unite", "string", "Unité de l’indicateur."),
         _c("source", "string", "Source citée."),
         *PROVENANCE,
         _c("validee_le", "date", "Date de validation.")],
        _valeurs,
        ["indicateur", "territoire", "annee"],
        [("indicateur", "indicateurs", "code"), ("territoire", "territoires", "code")],
    ),
    Ressource(
        "projets_structurants",
        "Projets structurants des quartiers prioritaires",
        "Projets des fiches quartiers du contrat, avec leur statut suivi dans le portail et le "
        "statut tel qu’imprimé.",
        [_c("qpv", "string", "Identifiant du QPV.", True),
         _c("ordre", "integer", "Rang du projet dans la fiche.", True),
         _c("secteur", "string", "Identifiant du secteur ou micro-quartier."),
         _c("nom", "string", "Nom du projet."),
         _c("descriptif", "string", "Descriptif."),
         _c("adresse", "string", "Adresse du projet telle qu’imprimée (lieu, pas une personne)."),
         _c("statut", "string", "Statut normalisé."),
         _c("statut_imprime", "string", "Statut tel qu’imprimé dans le contrat."),
         _c("annee_echeance", "integer", "Année d’échéance, quand elle est connue.")],
        _projets,
        ["qpv", "ordre"],
    ),
    Ressource(
        "fiches_actions",
        "Fiches-actions publiées",
        "Fiches-actions validées des structures qui ont accepté leur publication ; sans "
        "données personnelles, coordonnées ni pièces jointes.",
        [_c("identifiant", "string", "Identifiant stable de la fiche.", True),
         _c("titre", "string", "Titre de l’action."),
         _c("structure", "string", "Nom de la structure organisatrice."),
         _c("type_structure", "string", "association, centre_social, espace_vie_sociale, autre."),
         _c("annee", "integer", "Année de l’action, quand elle est connue."),
         _c("etat", "string", "en_cours ou terminee."),
         _c("dimension", "string", "Dimension de l’action (liste contrôlée)."),
         _c("resume", "string", "Résumé."),
         _c("engagements", "string", "Numéros des engagements servis, séparés par « ; »."),
         _c("qpv", "string", "Identifiants des QPV, séparés par « ; »."),
         _c("source", "string", "Source de la fiche."),
         *PROVENANCE],
        _fiches,
        ["identifiant"],
    ),
]  # fmt: skip


# --- le paquet -------------------------------------------------------------------------------


def _sans_avancement(fait, total, etape=None):
    """L'avancement ignoré (commande, appel direct)."""


def construire(date=None, progression=_sans_avancement):
    """{nom de fichier: contenu (octets)} : chaque CSV puis `datapackage.json`.
    `progression(fait, total, etape)` est appelée avant chaque table (travail de fond)."""
    date = date or timezone.now()
    fichiers, descripteurs = {}, []
    total = len(RESSOURCES) + 2  # les tables, la validation, l'écriture
    for rang, r in enumerate(RESSOURCES):
        progression(rang, total, f"Table « {r.nom} »")
        df = r.table()
        tampon = io.StringIO()
        df.to_csv(tampon, index=False, lineterminator="\r\n", na_rep="")
        contenu = tampon.getvalue().encode("utf-8")
        fichiers[r.fichier] = contenu
        descripteurs.append(r.descripteur(len(df), len(contenu)))
    paquet = {
        "profile": "tabular-data-package",
        "name": "contrat-de-ville-parisien-2024-2030",
        "title": "Contrat de ville parisien 2024-2030 : référentiel, indicateurs et valeurs "
        "validées",
        "description": "Données publiées par le portail de suivi du contrat de ville parisien "
        "2024-2030 : référentiel d’évaluation, territoires, valeurs validées (avec leur "
        "provenance : réserve de périmètre et ce que le chargement a déduit), projets "
        "structurants et fiches-actions dont la structure a accepté la publication.",
        "created": date.isoformat(timespec="seconds"),
        "licenses": [LICENCE],
        "sources": SOURCES,
        "contributors": [{"title": "Ville de Paris, DDCT, Service Politique de la Ville",
                          "role": "publisher"}],
        "resources": descripteurs,
    }  # fmt: skip
    fichiers["datapackage.json"] = (json.dumps(paquet, ensure_ascii=False, indent=2) + "\n").encode(
        "utf-8"
    )
    return fichiers


def valider(fichiers):
    """Valide le paquet avec `frictionless` (schémas, types, clés primaires et étrangères).
    Rend la liste des erreurs, en clair (vide : valide)."""
    from frictionless import Package, system

    with tempfile.TemporaryDirectory() as dossier:
        for nom, contenu in fichiers.items():
            (Path(dossier) / nom).write_bytes(contenu)
        with system.use_context(trusted=True):
            rapport = Package(str(Path(dossier) / "datapackage.json")).validate()
    if rapport.valid:
        return []
    return [f"{e.type} : {e.message}" for tache in rapport.tasks for e in tache.errors][:20] + [
        f"{e.type} : {e.message}" for e in rapport.errors
    ]


def _retirer(chemins):
    for chemin in chemins:
        try:
            default_storage.delete(chemin)
        except Exception:  # le stockage est peut-être la cause de l'échec : on le dit au journal
            logger.warning("Fichier %s non retiré du stockage", chemin, exc_info=True)


def publier(by=None, progression=_sans_avancement):
    """Construit, valide puis écrit un nouveau jeu publié, dans un dossier à lui. Lève
    `PublicationRefusee` (rien n'est publié, les jeux précédents restent tels quels) si le
    paquet n'est pas valide ou si l'écriture échoue (stockage, base) ; les fichiers déjà écrits
    de ce jeu sont alors retirés, quelle que soit l'erreur."""
    date = timezone.now()
    fichiers = construire(date, progression)
    total = len(RESSOURCES) + 2
    progression(total - 2, total, "Validation du paquet (frictionless)")
    erreurs = valider(fichiers)
    if erreurs:
        raise PublicationRefusee(
            "Le paquet de données ouvertes n’est pas valide, rien n’a été publié : "
            + " ; ".join(erreurs)
        )
    progression(total - 1, total, "Écriture des fichiers")
    dossier = f"{DOSSIER}/{date:%Y-%m-%d-%H%M%S-%f}"
    ressources, ecrits = [], []
    lignes = {
        d["path"]: d["stats"]["rows"] for d in json.loads(fichiers["datapackage.json"])["resources"]
    }
    try:
        with transaction.atomic():
            for nom, contenu in fichiers.items():
                ecrits.append(default_storage.save(f"{dossier}/{nom}", ContentFile(contenu)))
                if nom != "datapackage.json":
                    ressources.append(
                        {
                            "nom": nom.removesuffix(".csv"),
                            "fichier": nom,
                            "lignes": lignes[nom],
                            "octets": len(contenu),
                        }
                    )
            jeu = JeuPublie.objects.create(publie_par=by, dossier=dossier, ressources=ressources)
    except BaseException as erreur:
        # Quoi qu'il arrive (disque plein, base indisponible, délai du travail dépassé), un jeu
        # à moitié écrit ne reste pas dans le stockage : on retire ce qui l'a été.
        _retirer(ecrits)
        if not isinstance(erreur, (OSError, DatabaseError)):
            raise
        logger.exception("Publication des données ouvertes interrompue (%s)", dossier)
        raise PublicationRefusee(
            "L’écriture du paquet a échoué (stockage des fichiers ou base de données "
            "indisponible), rien n’a été publié : les jeux déjà publiés restent en ligne. "
            "Relancez la publication ; si cela se reproduit, signalez-le à l’exploitant du "
            "portail."
        ) from erreur
    progression(total, total, "Écriture des fichiers")
    return jeu
