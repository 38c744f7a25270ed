"""Import des crédits depuis un tableur, sur la mécanique partagée (socle/imports.py), comme les
valeurs des indicateurs.

- `modele_xlsx()` : le modèle, écrit par socle/tableur.py, pré-rempli avec les crédits
  existants d'une année (colonne « Identifiant ») et une feuille « Listes » (signataires,
  types, QPV, arrondissements, engagements) ;
- `DeclarationCredits` : les colonnes lues et les règles de ligne ;
- `importer()` : contrôle ou applique un contenu sans historique (scripts, tests).

Une ligne sans identifiant crée un crédit ; avec un identifiant, elle modifie ce crédit. Une
ligne nouvelle identique à un crédit existant est comptée « inchangée » : réimporter le même
fichier ne crée pas de doublon. Deux lignes nouvelles identiques dans le même fichier sont
refusées (doublon probable)."""

import re
import unicodedata
from decimal import Decimal
from itertools import zip_longest

from openpyxl.worksheet.datavalidation import DataValidation

from bilan.donnees import euros_fr
from bilan.models import MONTANT_MAX, Credit, ImportCredits
from engagements.models import Engagement, Signataire
from quartiers.models import Arrondissement, Quartier
from socle.imports import (
    Colonne,
    DeclarationImport,
    Nom,
    Reference,
    annee,
    citer,
    est_vide,
    formater_erreur,
    importer_contenu,
    nombre,
    texte,
)
from socle.tableur import Classeur, Format
from socle.tableur import Colonne as ColonneExport

COLONNES = [
    "Identifiant",
    "Année",
    "Signataire",
    "Type de crédit",
    "Montant (€)",
    "Engagement",
    "QPV",
    "Arrondissement",
    "Dispositif",
    "Commentaire",
]
# Ce qui rend deux crédits identiques (réimport sans doublon, doublons dans un fichier).
CHAMPS = (
    "annee",
    "signataire_id",
    "type",
    "montant",
    "engagement_id",
    "quartier_id",
    "arrondissement_id",
    "dispositif",
    "commentaire",
)


def plier(texte):
    """Minuscules sans accents ni espaces superflus ni apostrophes typographiques."""
    texte = str(texte or "").replace("’", "'").replace("\xa0", " ")
    sans_accents = unicodedata.normalize("NFKD", texte).encode("ascii", "ignore").decode()
    return " ".join(sans_accents.lower().split())


NUMERO = re.compile(r"^\s*(?:engagement\s*(?:n°\s*)?)?(\d+)", re.IGNORECASE)


def _entier(valeur):
    """Un entier lu dans une cellule : 19, 19.0, « 19 », « 19e », « 5. Titre »,
    « Engagement 5 : titre » ; None sinon."""
    if isinstance(valeur, bool):
        return None
    if isinstance(valeur, int | float | Decimal):
        return int(valeur) if Decimal(str(valeur)) == int(valeur) else None
    trouve = NUMERO.match(str(valeur))
    return int(trouve.group(1)) if trouve else None


# --- lecteurs : cellule → valeur, erreurs en français ------------------------------------------


def identifiant(valeur):
    if est_vide(valeur):
        return None
    pk = _entier(valeur)
    if pk is None:
        raise ValueError(
            f"Aucun crédit n’a l’identifiant « {citer(valeur)} » : laissez la colonne vide pour "
            "créer un crédit."
        )
    return pk


TYPES = {
    plier(variante): code
    for code, libelle in Credit.Type.choices
    for variante in (libelle, code, code.replace("_", " "))
} | {
    "specifique": Credit.Type.SPECIFIQUE,
    "specifique pv": Credit.Type.SPECIFIQUE,
    "politique de la ville": Credit.Type.SPECIFIQUE,
}


def type_credit(valeur):
    """« Droit commun » ou « Spécifique politique de la ville » (ou leur code)."""
    if est_vide(valeur):
        raise ValueError("Type de crédit manquant.")
    code = TYPES.get(plier(valeur))
    if code is None:
        raise ValueError(
            f"Type de crédit inconnu : « {citer(valeur)} ». Indiquez « Droit commun » ou "
            "« Spécifique politique de la ville »."
        )
    return code


def montant(valeur):
    """Un montant en euros, positif ou nul, au centime près (« 12 500,50 € » accepté)."""
    if est_vide(valeur):
        raise ValueError("Montant manquant.")
    if isinstance(valeur, str):
        valeur = valeur.replace("€", "").replace("EUR", "").strip()
    resultat = nombre(valeur)
    if resultat is None:
        raise ValueError("Montant manquant.")
    if resultat < 0:
        raise ValueError(f"Le montant doit être positif ou nul (« {citer(valeur)} »).")
    if resultat > MONTANT_MAX:
        raise ValueError(f"Le montant dépasse le maximum accepté (« {citer(valeur)} »).")
    # Excel stocke parfois 0,1 + 0,2 en 0,30000000000000004 : on arrondit au centime ce qui
    # en est à moins d'un millième de centime, on refuse le reste.
    if abs(resultat - resultat.quantize(Decimal("0.01"))) > Decimal("0.00001"):
        raise ValueError(f"Un montant se donne au centime près (« {citer(valeur)} »).")
    return resultat.quantize(Decimal("0.01"))


class MontantWidget:
    """Le lecteur de montant, pour le champ « Montant » du formulaire de crédit (bilan/forms.py) :
    la saisie et l'import lisent les montants de la même façon."""

    def clean(self, value, row=None, **kwargs):
        return montant(value)


# --- la déclaration -------------------------------------------------------------------------


class DeclarationCredits(DeclarationImport):
    """Une ligne du classeur = un crédit. « Identifiant » vide : création ; rempli : le crédit
    de cet identifiant est modifié."""

    modele = Credit
    objet = Nom("crédit", "crédits")
    conseil = "Partez du modèle de crédits téléchargé dans le portail."
    cle = ("id",)
    creer_si_absent = False  # un identifiant désigne un crédit existant
    colonnes = (
        Colonne("Identifiant", "id", identifiant),
        Colonne("Année", "annee", annee, obligatoire=True),
        Colonne(
            "Signataire",
            "signataire",
            Reference(
                Signataire.objects.all(),
                normaliser=plier,
                cles=lambda s: plier(s.nom),
                inconnu="Signataire inconnu : « {valeur} ». Reprenez le nom exact d’un "
                "signataire du contrat (feuille « Listes » du modèle).",
                manquant="Signataire manquant.",
            ),
            obligatoire=True,
        ),
        Colonne("Type de crédit", "type", type_credit, obligatoire=True),
        Colonne("Montant (€)", "montant", montant, obligatoire=True),
        Colonne(
            "Engagement",
            "engagement",
            Reference(
                Engagement.objects.all(),
                normaliser=_entier,
                cles=lambda e: e.numero,
                inconnu="Engagement inconnu : « {valeur} ». Indiquez son numéro, de 1 à 30.",
            ),
        ),
        Colonne(
            "QPV",
            "quartier",
            Reference(
                Quartier.objects.all(),
                normaliser=plier,
                cles=lambda q: (plier(q.nom), plier(q.slug)),
                inconnu="QPV inconnu : « {valeur} ». Reprenez le nom d’un quartier prioritaire "
                "(feuille « Listes » du modèle).",
            ),
        ),
        Colonne(
            "Arrondissement",
            "arrondissement",
            Reference(
                Arrondissement.objects.all(),
                normaliser=_entier,
                cles=lambda a: a.numero,
                inconnu="Arrondissement inconnu : « {valeur} ». Les arrondissements du contrat "
                "sont : {liste}.",
                liste=lambda arrondissements: ", ".join(a.court for a in arrondissements),
            ),
        ),
        Colonne("Dispositif", "dispositif", texte, longueur_max=200),
        Colonne("Commentaire", "commentaire", texte),
    )

    def __init__(self, operateur=None, nom_fichier="", **contexte):
        super().__init__(operateur, nom_fichier, **contexte)
        self.signatures, self.nouvelles = {}, {}

    @staticmethod
    def signature(credit):
        return tuple(getattr(credit, champ) for champ in CHAMPS)

    def existants_queryset(self):
        # L'aperçu nomme le signataire et le lieu des crédits modifiés.
        return Credit.objects.select_related("signataire", "quartier", "arrondissement")

    def preparer(self, lignes, verrouiller):
        super().preparer(lignes, verrouiller)
        # Les crédits qui pourraient être identiques aux lignes nouvelles : une requête.
        nouvelles = [ligne for ligne in lignes if ligne.cle is None and not ligne.illisibles]
        annees = {ligne.valeurs.get("annee") for ligne in nouvelles} - {None}
        signataires = {ligne.valeurs.get("signataire") for ligne in nouvelles} - {None}
        if annees and signataires:
            for credit in Credit.objects.filter(
                annee__in=annees, signataire__in=signataires
            ).order_by("pk"):
                self.signatures.setdefault(self.signature(credit), credit.pk)

    def message_absent(self, ligne):
        return (
            f"Aucun crédit n’a l’identifiant « {citer(ligne.cellule('Identifiant'))} » : "
            "laissez la colonne vide pour créer un crédit."
        )

    def deja_enregistree(self, ligne, credit):
        return self.signature(credit) in self.signatures

    def regles(self, ligne, credit, creation):
        if not creation or ligne.erreurs:
            return
        signature = self.signature(credit)
        premiere = self.nouvelles.setdefault(signature, ligne.numero)
        if premiere != ligne.numero:
            ligne.erreur(
                "id",
                f"Cette ligne est identique à la ligne {premiere} : doublon probable. "
                "Supprimez-la, ou distinguez les deux crédits (dispositif, commentaire).",
            )

    def avant_ecriture(self, credit, creation):
        if creation:
            credit.cree_par = self.auteur

    def apercu(self, ligne):
        credit = ligne.objet
        return {
            "annee": credit.annee,
            "signataire": credit.signataire.nom,
            "type": credit.get_type_display(),
            "montant": euros_fr(credit.montant),
            "montant_avant": euros_fr(ligne.original.montant) if ligne.original else "",
            "lieu": credit.lieu,
        }


def importer(contenu, user, dry_run=True, nom_fichier=""):
    """Contrôle (dry_run) ou applique un classeur de crédits, sans historique. Lève
    `socle.imports.FichierRefuse` (une ValueError) si le fichier est refusé."""
    return importer_contenu(
        ImportCredits, contenu, operateur=user, confirmer=not dry_run, nom_fichier=nom_fichier
    )


def resumer(rapport):
    return rapport.resume


# --- modèle ------------------------------------------------------------------------------------

MODE_D_EMPLOI = [
    "Modèle d’import des crédits dépensés dans les QPV{annee}",
    "Une ligne par crédit : année, signataire, type de crédit et montant sont obligatoires ; "
    "engagement (numéro), QPV (nom) ou arrondissement (numéro), dispositif et commentaire "
    "sont facultatifs.",
    "Types de crédit : « Droit commun » ou « Spécifique politique de la ville ». Les montants "
    "sont en euros, positifs ou nuls, au centime près (12500 ou 12 500,50).",
    "Indiquez un QPV ou un arrondissement, pas les deux : le crédit d’un QPV compte déjà dans "
    "le bilan de son arrondissement. Sans l’un ni l’autre, le crédit est parisien.",
    "« Identifiant » vide : le crédit est créé. Rempli (crédits déjà saisis, pré-remplis ici) : "
    "le crédit correspondant est modifié. Ne changez pas un identifiant.",
    "Les noms des signataires, QPV et engagements sont dans la feuille « Listes ».",
    "L’import est tout ou rien : une seule ligne en erreur et rien n’est écrit. Une "
    "prévisualisation montre ce qui sera créé ou modifié avant votre confirmation.",
]

COLONNES_MODELE = [
    ColonneExport("Identifiant", "pk", Format.ENTIER, largeur=12),
    ColonneExport("Année", "annee", Format.ENTIER, largeur=8),
    ColonneExport("Signataire", "signataire.nom", largeur=45),
    ColonneExport("Type de crédit", "get_type_display", largeur=32),
    ColonneExport("Montant (€)", "montant", Format.EUROS, largeur=16),
    ColonneExport("Engagement", "engagement.numero", Format.ENTIER, largeur=12),
    ColonneExport("QPV", "quartier.nom", largeur=40),
    ColonneExport("Arrondissement", "arrondissement.numero", Format.ENTIER, largeur=15),
    ColonneExport("Dispositif", "dispositif", largeur=40),
    ColonneExport("Commentaire", "commentaire", largeur=50),
]
assert [c.entete for c in COLONNES_MODELE] == COLONNES


def modele_xlsx(annee=None):
    """Le modèle d'import (octets .xlsx), pré-rempli avec les crédits de `annee` (aucun si
    None), et son nombre de lignes pré-remplies."""
    credits = list(
        Credit.objects.with_list_data().filter(annee=annee).order_by("signataire__ordre", "pk")
        if annee
        else []
    )
    c = Classeur()
    feuille = c.feuille(f"Crédits {annee}" if annee else "Crédits")
    feuille.tableau(credits, COLONNES_MODELE)

    listes = {
        "Signataires": [s.nom for s in Signataire.objects.all()],
        "Types de crédit": [libelle for _, libelle in Credit.Type.choices],
        "QPV": [q.nom for q in Quartier.objects.order_by("ordre", "nom")],
        "Arrondissements": [a.numero for a in Arrondissement.objects.all()],
        "Engagements": [f"{e.numero}. {e.titre}" for e in Engagement.objects.order_by("numero")],
    }
    colonnes_listes = [
        ColonneExport(titre, lambda ligne, i=i: ligne[i], largeur=45 if i % 2 == 0 else 20)
        for i, titre in enumerate(listes)
    ]
    # Listes déroulantes (sans blocage : un nom approchant est reconnu à l'import).
    for colonne_liste, colonne_credits, nombre_valeurs in (
        ("A", "C", len(listes["Signataires"])),
        ("B", "D", len(listes["Types de crédit"])),
        ("C", "G", len(listes["QPV"])),
        ("D", "H", len(listes["Arrondissements"])),
    ):
        validation = DataValidation(
            type="list",
            formula1=f"=Listes!${colonne_liste}$2:${colonne_liste}${nombre_valeurs + 1}",
            allow_blank=True,
            showErrorMessage=False,
        )
        validation.add(f"{colonne_credits}2:{colonne_credits}2000")
        feuille.ajouter_validation(validation)
    c.tableau("Listes", zip_longest(*listes.values()), colonnes_listes, filtre=False)

    aide = c.feuille("Mode d’emploi")
    for rang, ligne in enumerate(MODE_D_EMPLOI):
        aide.texte(ligne.format(annee=f" — crédits {annee}" if annee else ""), gras=rang == 0)
    return c.contenu(), len(credits)


__all__ = [
    "COLONNES",
    "DeclarationCredits",
    "MontantWidget",
    "formater_erreur",
    "importer",
    "modele_xlsx",
    "resumer",
]
