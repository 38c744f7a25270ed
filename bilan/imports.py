"""Import des crédits depuis un tableur, avec django-import-export : même circuit que les
valeurs des indicateurs (indicateurs/resources.py).

- `modele_xlsx()` : le modèle, pré-rempli avec les crédits existants d'une année (colonne
  « Identifiant ») et une feuille « Listes » (signataires, types, QPV, arrondissements,
  engagements) ;
- `importer()` : contrôle (prévisualisation) ou applique un classeur. Tout ou rien : la
  moindre ligne en erreur annule tout. Les erreurs sont numérotées comme les lignes du
  classeur (la ligne 1 est l'en-tête) et disent la colonne fautive.

Une ligne sans identifiant crée un crédit ; avec un identifiant, elle modifie ce crédit. Une
ligne nouvelle identique à un crédit existant est comptée « inchangée » : réimporter le même
fichier ne crée pas de doublon. Deux lignes nouvelles identiques dans le même fichier sont
refusées (doublon probable). Les widgets lèvent `ValueError` avec un message français :
import-export les range en erreurs de colonne."""

import io
import re
import unicodedata
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from import_export import fields, resources, widgets
from import_export.results import RowResult
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from bilan.donnees import euros_fr
from bilan.models import MONTANT_MAX, Credit
from engagements.models import Engagement, Signataire
from indicateurs.resources import (
    AnneeWidget,
    DecimalFrWidget,
    RapportImport,
    TexteWidget,
    _vide,
    formater_erreur,
    lire_classeur,
)
from quartiers.models import Arrondissement, Quartier

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
COLONNES_OBLIGATOIRES = ("Année", "Signataire", "Type de crédit", "Montant (€)")
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


# --- widgets : cellule → objet, erreurs en français ------------------------------------------


class IndexWidget(widgets.Widget):
    """Une cellule → l'objet d'un index préchargé (clé pliée) ; vide → None si facultatif."""

    def __init__(self, index, cle, message, obligatoire=False, manquant=""):
        super().__init__(coerce_to_string=True)
        self.index, self.cle, self.message = index, cle, message
        self.obligatoire, self.manquant = obligatoire, manquant

    def clean(self, value, row=None, **kwargs):
        if _vide(value):
            if self.obligatoire:
                raise ValueError(self.manquant)
            return None
        objet = self.index().get(self.cle(value))
        if objet is None:
            raise ValueError(self.message.format(valeur=str(value).strip()))
        return objet

    def render(self, value, **kwargs):
        return str(value) if value is not None else ""


class TypeWidget(widgets.Widget):
    """« Droit commun » ou « Spécifique politique de la ville » (ou leur code)."""

    SYNONYMES = {
        plier(variante): code
        for code, libelle in Credit.Type.choices
        for variante in (libelle, code, code.replace("_", " "))
    } | {
        "specifique": Credit.Type.SPECIFIQUE,
        "specifique pv": Credit.Type.SPECIFIQUE,
        "politique de la ville": Credit.Type.SPECIFIQUE,
    }

    def clean(self, value, row=None, **kwargs):
        if _vide(value):
            raise ValueError("Type de crédit manquant.")
        code = self.SYNONYMES.get(plier(value))
        if code is None:
            raise ValueError(
                f"Type de crédit inconnu : « {str(value).strip()} ». Indiquez « Droit commun » "
                "ou « Spécifique politique de la ville »."
            )
        return code

    def render(self, value, **kwargs):
        return Credit.Type(value).label if value else ""


class MontantWidget(DecimalFrWidget):
    """Un montant en euros, positif ou nul, au centime près (« 12 500,50 € » accepté)."""

    def clean(self, value, row=None, **kwargs):
        if _vide(value):
            raise ValueError("Montant manquant.")
        if isinstance(value, str):
            value = value.replace("€", "").replace("EUR", "").strip()
        montant = super().clean(value, row, **kwargs)
        if not montant.is_finite():
            raise ValueError(f"« {value} » n’est pas un montant.")
        if montant < 0:
            raise ValueError(f"Le montant doit être positif ou nul (« {value} »).")
        if montant > MONTANT_MAX:
            raise ValueError(f"Le montant dépasse le maximum accepté (« {value} »).")
        # Excel stocke parfois 0,1 + 0,2 en 0,30000000000000004 : on arrondit au centime ce
        # qui en est à moins d'un millième de centime, on refuse le reste.
        if abs(montant - montant.quantize(Decimal("0.01"))) > Decimal("0.00001"):
            raise ValueError(f"Un montant se donne au centime près (« {value} »).")
        return montant.quantize(Decimal("0.01"))


class EntierFacultatifWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        return None if _vide(value) else _entier(value)


# --- la ressource ---------------------------------------------------------------------------


class CreditResource(resources.ModelResource):
    """Une ligne du classeur = un crédit. « Identifiant » vide : création ; rempli : le crédit
    de cet identifiant est modifié."""

    identifiant = fields.Field(column_name="Identifiant", readonly=True)
    annee = fields.Field(attribute="annee", column_name="Année", widget=AnneeWidget())
    signataire = fields.Field(attribute="signataire", column_name="Signataire")
    type = fields.Field(attribute="type", column_name="Type de crédit", widget=TypeWidget())
    montant = fields.Field(attribute="montant", column_name="Montant (€)", widget=MontantWidget())
    engagement = fields.Field(attribute="engagement", column_name="Engagement")
    quartier = fields.Field(attribute="quartier", column_name="QPV")
    arrondissement = fields.Field(attribute="arrondissement", column_name="Arrondissement")
    dispositif = fields.Field(
        attribute="dispositif", column_name="Dispositif", widget=TexteWidget()
    )
    commentaire = fields.Field(
        attribute="commentaire", column_name="Commentaire", widget=TexteWidget()
    )

    class Meta:
        model = Credit
        fields = (
            "identifiant",
            "annee",
            "signataire",
            "type",
            "montant",
            "engagement",
            "quartier",
            "arrondissement",
            "dispositif",
            "commentaire",
        )
        skip_diff = True
        skip_html_diff = True
        clean_model_instances = True
        use_transactions = True
        report_skipped = True

    def __init__(self, user=None, nom_fichier=""):
        super().__init__()
        self.user, self.nom_fichier = user, nom_fichier
        self._index = {}
        self._existants = {}
        self._signatures = {}
        self._nouvelles = {}
        self.fields["signataire"].widget = IndexWidget(
            lambda: self._charger("signataires"),
            plier,
            "Signataire inconnu : « {valeur} ». Reprenez le nom exact d’un signataire du contrat "
            "(feuille « Listes » du modèle).",
            obligatoire=True,
            manquant="Signataire manquant.",
        )
        self.fields["engagement"].widget = IndexWidget(
            lambda: self._charger("engagements"),
            _entier,
            "Engagement inconnu : « {valeur} ». Indiquez son numéro, de 1 à 30.",
        )
        self.fields["quartier"].widget = IndexWidget(
            lambda: self._charger("quartiers"),
            plier,
            "QPV inconnu : « {valeur} ». Reprenez le nom d’un quartier prioritaire (feuille "
            "« Listes » du modèle).",
        )
        self.fields["arrondissement"].widget = IndexWidget(
            lambda: self._charger("arrondissements"),
            _entier,
            "Arrondissement inconnu : « {valeur} ». Les arrondissements du contrat sont : {liste}.",
        )

    # --- index préchargés (une requête par liste pour tout le fichier) --------------------------

    def _charger(self, nom):
        if nom not in self._index:
            if nom == "signataires":
                self._index[nom] = {plier(s.nom): s for s in Signataire.objects.all()}
            elif nom == "engagements":
                self._index[nom] = {e.numero: e for e in Engagement.objects.all()}
            elif nom == "quartiers":
                index = {}
                for q in Quartier.objects.all():
                    index[plier(q.nom)] = q
                    index[plier(q.slug)] = q
                self._index[nom] = index
            else:
                arrondissements = list(Arrondissement.objects.all())
                self._index[nom] = {a.numero: a for a in arrondissements}
                widget = self.fields["arrondissement"].widget
                widget.message = widget.message.replace(
                    "{liste}", ", ".join(a.court for a in arrondissements)
                )
        return self._index[nom]

    def before_import(self, dataset, **kwargs):
        entetes = [str(e).strip() for e in (dataset.headers or []) if e is not None]
        manquantes = [c for c in COLONNES_OBLIGATOIRES if c not in entetes]
        if manquantes:
            raise ValueError(
                "Colonnes manquantes : "
                + ", ".join(f"« {c} »" for c in manquantes)
                + ". Partez du modèle de crédits téléchargé dans le portail."
            )
        credits = Credit.objects.all()
        if not kwargs.get("dry_run"):
            # À la confirmation, les crédits existants sont verrouillés jusqu'à la fin de
            # l'import : personne ne les modifie entre le contrôle et l'écriture.
            credits = credits.select_for_update()
        for c in credits:
            self._existants[c.pk] = c
            self._signatures.setdefault(self.signature(c), c.pk)

    @staticmethod
    def signature(credit):
        return tuple(getattr(credit, champ) for champ in CHAMPS)

    # --- lecture d'une ligne ----------------------------------------------------------------

    def get_or_init_instance(self, instance_loader, row):
        brut = row.get("Identifiant")
        if _vide(brut):
            return Credit(), True
        pk = _entier(brut)
        credit = self._existants.get(pk) if pk else None
        if credit is None:
            raise ValidationError(
                {
                    "identifiant": f"Aucun crédit n’a l’identifiant « {str(brut).strip()} » : "
                    "laissez la colonne vide pour créer un crédit."
                }
            )
        credit._avant = self.signature(credit)
        credit._montant_avant = credit.montant
        return credit, False

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if import_validation_errors:
            return False
        if instance.pk is None:
            if all(_vide(row.get(c)) for c in COLONNES):
                return True  # ligne vide
            return self.signature(instance) in self._signatures
        return getattr(instance, "_avant", None) == self.signature(instance)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        erreurs = dict(import_validation_errors or {})
        if instance.pk is None and not erreurs:
            signature = self.signature(instance)
            ligne = self._nouvelles.get(signature)
            if ligne is not None:
                erreurs["identifiant"] = (
                    f"Cette ligne est identique à la ligne {ligne} : doublon probable. "
                    "Supprimez-la, ou distinguez les deux crédits (dispositif, commentaire)."
                )
            else:
                self._nouvelles[signature] = self._ligne_courante
        illisibles = set(import_validation_errors or {})
        try:
            super().validate_instance(instance, erreurs, validate_unique=False)
        except ValidationError as exc:
            # Une cellule illisible vaut vide pour le modèle : seule sa première erreur compte.
            raise ValidationError(
                {
                    champ: messages[:1] if champ in illisibles else messages
                    for champ, messages in exc.message_dict.items()
                }
            ) from None

    def import_row(self, row, instance_loader, **kwargs):
        self._ligne_courante = kwargs.get("row_number", 0) + 1
        return super().import_row(row, instance_loader, **kwargs)

    # --- écriture -----------------------------------------------------------------------------

    def do_instance_save(self, instance, is_create):
        auteur = self.user if isinstance(self.user, User) else None
        if is_create:
            instance.cree_par = auteur
        instance._history_user = auteur
        instance._change_reason = f"Import de tableur : {self.nom_fichier}"[:100]
        instance.save()

    # --- export (modèle pré-rempli) -------------------------------------------------------

    def dehydrate_identifiant(self, credit):
        return credit.pk

    def dehydrate_signataire(self, credit):
        return credit.signataire.nom

    def dehydrate_type(self, credit):
        return credit.get_type_display()

    def dehydrate_engagement(self, credit):
        return credit.engagement.numero if credit.engagement_id else None

    def dehydrate_quartier(self, credit):
        return credit.quartier.nom if credit.quartier_id else None

    def dehydrate_arrondissement(self, credit):
        return credit.arrondissement.numero if credit.arrondissement_id else None

    def dehydrate_montant(self, credit):
        return float(credit.montant)


# --- modèle ------------------------------------------------------------------------------------

MODE_D_EMPLOI = [
    "Modèle d’import des crédits dépensés dans les QPV{annee}",
    "",
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


def modele_xlsx(annee=None):
    """Le modèle d'import (octets .xlsx), pré-rempli avec les crédits de `annee` (aucun si
    None), et son nombre de lignes pré-remplies."""
    credits = list(
        Credit.objects.with_list_data().filter(annee=annee).order_by("signataire__ordre", "pk")
        if annee
        else []
    )
    ressource = CreditResource()
    wb = Workbook()
    ws = wb.active
    ws.title = f"Crédits {annee}" if annee else "Crédits"
    ws.append(COLONNES)
    for credit in credits:
        ws.append(
            [
                ressource.export_field(ressource.fields[f], credit)
                for f in CreditResource.Meta.fields
            ]
        )
        ws.cell(row=ws.max_row, column=5).number_format = '#,##0.00\\ "€"'
    for cellule in ws[1]:
        cellule.font = Font(bold=True)
        cellule.fill = PatternFill("solid", fgColor="DCE3F0")
    largeurs = [12, 8, 45, 32, 16, 12, 40, 15, 40, 50]
    for i, largeur in enumerate(largeurs):
        ws.column_dimensions[chr(ord("A") + i)].width = largeur
    ws.freeze_panes = "A2"

    listes = wb.create_sheet("Listes")
    colonnes_listes = {
        "Signataires": [s.nom for s in Signataire.objects.all()],
        "Types de crédit": [libelle for _, libelle in Credit.Type.choices],
        "QPV": [q.nom for q in Quartier.objects.order_by("ordre", "nom")],
        "Arrondissements": [a.numero for a in Arrondissement.objects.all()],
        "Engagements": [f"{e.numero}. {e.titre}" for e in Engagement.objects.order_by("numero")],
    }
    for j, (titre, valeurs) in enumerate(colonnes_listes.items(), start=1):
        listes.cell(row=1, column=j, value=titre).font = Font(bold=True)
        for i, valeur in enumerate(valeurs, start=2):
            listes.cell(row=i, column=j, value=valeur)
        listes.column_dimensions[chr(ord("A") + j - 1)].width = 45 if j in (1, 3, 5) else 20
    for colonne_liste, colonne_credits, nombre in (
        ("A", "C", len(colonnes_listes["Signataires"])),
        ("B", "D", 2),
        ("C", "G", len(colonnes_listes["QPV"])),
        ("D", "H", len(colonnes_listes["Arrondissements"])),
    ):
        validation = DataValidation(
            type="list",
            formula1=f"=Listes!${colonne_liste}$2:${colonne_liste}${nombre + 1}",
            allow_blank=True,
            showErrorMessage=False,
        )
        ws.add_data_validation(validation)
        validation.add(f"{colonne_credits}2:{colonne_credits}2000")

    aide = wb.create_sheet("Mode d’emploi")
    for ligne in MODE_D_EMPLOI:
        aide.append([ligne.format(annee=f" — crédits {annee}" if annee else "")])
        aide.cell(row=aide.max_row, column=1).alignment = Alignment(wrap_text=True)
    aide["A1"].font = Font(bold=True)
    aide.column_dimensions["A"].width = 120
    wb.active = 0
    sortie = io.BytesIO()
    wb.save(sortie)
    return sortie.getvalue(), len(credits)


# --- import ------------------------------------------------------------------------------------


def importer(contenu, user, dry_run=True, nom_fichier=""):
    """Contrôle (dry_run) ou applique un classeur de crédits. Tout ou rien : si une ligne est
    en erreur, la transaction est annulée et rien n'est écrit. Lève ValueError si le fichier
    est illisible."""
    rapport = RapportImport()
    dataset = lire_classeur(contenu)
    if dataset.headers:
        dataset.headers = [str(e).strip() if e is not None else "" for e in dataset.headers]
    ressource = CreditResource(user=user, nom_fichier=nom_fichier)
    resultat = ressource.import_data(
        dataset,
        dry_run=dry_run,
        use_transactions=True,
        rollback_on_validation_errors=True,
        retain_instance_in_row_result=True,
    )
    rapport.lignes = len(dataset)
    colonnes = {f.attribute: f.column_name for f in ressource.fields.values() if f.attribute}
    colonnes["identifiant"] = "Identifiant"
    for erreur in resultat.base_errors:
        rapport.erreurs.append({"ligne": None, "colonne": "", "message": str(erreur.error)})
    for numero, erreurs in resultat.row_errors():
        for erreur in erreurs:
            rapport.erreurs.append(
                {"ligne": numero + 1, "colonne": "", "message": str(erreur.error)}
            )
    for ligne in resultat.invalid_rows:
        for attribut, messages in ligne.error_dict.items():
            for message in messages:
                rapport.erreurs.append(
                    {
                        "ligne": ligne.number + 1,  # la ligne 1 du classeur est l'en-tête
                        "colonne": colonnes.get(attribut, ""),
                        "message": str(message),
                    }
                )
    rapport.erreurs.sort(key=lambda e: (e["ligne"] or 0, e["colonne"]))
    for numero, ligne in enumerate(resultat.rows, start=2):
        if ligne.import_type == RowResult.IMPORT_TYPE_SKIP:
            rapport.inchangees += 1
            continue
        if ligne.import_type not in (RowResult.IMPORT_TYPE_NEW, RowResult.IMPORT_TYPE_UPDATE):
            continue
        nouveau = ligne.import_type == RowResult.IMPORT_TYPE_NEW
        if nouveau:
            rapport.nouvelles += 1
        else:
            rapport.modifiees += 1
        credit = ligne.instance
        rapport.apercu.append(
            {
                "ligne": numero,
                "action": "création" if nouveau else "modification",
                "annee": credit.annee,
                "signataire": credit.signataire.nom,
                "type": credit.get_type_display(),
                "montant": euros_fr(credit.montant),
                "montant_avant": (
                    "" if nouveau else euros_fr(getattr(credit, "_montant_avant", None))
                ),
                "lieu": credit.lieu,
            }
        )
    return rapport


def resumer(rapport):
    """Une phrase de compte rendu, pour les messages et la ligne de commande."""
    return (
        f"{rapport.lignes} ligne(s) lue(s) : {rapport.nouvelles} crédit(s) à créer, "
        f"{rapport.modifiees} à modifier, {rapport.inchangees} inchangé(s) ou vide(s), "
        f"{rapport.nb_lignes_en_erreur} ligne(s) en erreur."
    )


__all__ = ["formater_erreur", "importer", "modele_xlsx", "resumer"]
