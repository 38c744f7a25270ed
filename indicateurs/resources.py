"""Aller-retour tableur des valeurs d'une campagne, avec django-import-export.

- `modele_xlsx()` produit le modèle pré-rempli d'une campagne : une ligne par indicateur ×
  territoire attendu, avec la valeur de l'année précédente, la valeur actuelle et sa version.
- `importer()` relit un modèle complété : chaque ligne passe les mêmes contrôles que la
  grille (unités, droits du partenaire, campagne ouverte, valeur validée, valeur atypique
  sans commentaire, modification concurrente), dans une seule transaction : la moindre ligne
  en erreur annule tout. Les erreurs sont numérotées comme les lignes du classeur.

Les widgets lèvent `ValueError` avec un message français : import-export les range alors en
erreurs de champ (colonne), affichées telles quelles."""

import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.contrib.auth.models import User
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Count, Max, Min
from django.utils import timezone
from import_export import fields, resources, widgets
from import_export.formats.base_formats import XLSX
from import_export.results import RowResult

from indicateurs.completude import attendus, territoires_par_niveau
from indicateurs.models import (
    Campagne,
    Indicateur,
    Territoire,
    Valeur,
    nombre_fr,
)
from indicateurs.saisie import Plage, anomalie, valeur_comparable
from socle import roles
from socle.roles import est_spv

COLONNES_OBLIGATOIRES = ("Code indicateur", "Code territoire", "Année")


def _vide(valeur):
    return valeur is None or (isinstance(valeur, str) and not valeur.strip())


# --- widgets : valeurs du classeur → Python, erreurs en français ---------------------------------


class CodeWidget(widgets.Widget):
    """Un code (indicateur ou territoire) → l'objet, lu dans un index préchargé."""

    def __init__(self, index, nom):
        super().__init__(coerce_to_string=True)
        self.index, self.nom = index, nom

    def clean(self, value, row=None, **kwargs):
        if _vide(value):
            raise ValueError(f"Code {self.nom} manquant.")
        code = str(value).strip()
        objet = self.index().get(code)
        if objet is None:
            raise ValueError(f"Code {self.nom} inconnu : « {code} ».")
        return objet

    def render(self, value, **kwargs):
        return value.code if value is not None else ""


class AnneeWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        if _vide(value):
            raise ValueError("Année manquante.")
        try:
            annee = int(Decimal(str(value).strip()))
        except (InvalidOperation, ValueError):
            raise ValueError(f"« {value} » n’est pas une année.") from None
        return annee

    def render(self, value, **kwargs):
        return value


class DecimalFrWidget(widgets.Widget):
    """Un nombre, qu'Excel le donne en nombre ou en texte (« 12,5 », « 12 100 »)."""

    def clean(self, value, row=None, **kwargs):
        if _vide(value):
            return None
        if isinstance(value, bool):
            raise ValueError(f"« {value} » n’est pas un nombre.")
        if isinstance(value, int | float | Decimal):
            return Decimal(str(value))
        texte = str(value).strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "")
        texte = texte.replace(",", ".").removesuffix("%")
        try:
            return Decimal(texte)
        except InvalidOperation:
            raise ValueError(f"« {value} » n’est pas un nombre.") from None

    def render(self, value, **kwargs):
        return value


class EntierWidget(DecimalFrWidget):
    def clean(self, value, row=None, **kwargs):
        nombre = super().clean(value, row, **kwargs)
        if nombre is None:
            return None
        if nombre != nombre.to_integral_value() or nombre < 0:
            raise ValueError(f"« {value} » n’est pas un nombre entier positif ou nul.")
        return int(nombre)


class TexteWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        return "" if value is None else str(value).strip()


# --- la ressource ---------------------------------------------------------------------------


class ValeurResource(resources.ModelResource):
    """Une ligne du classeur = une valeur (indicateur × territoire × année). Les colonnes
    en lecture seule (libellés, valeur N-1, part calculée, statut, démo) aident à remplir et
    sont ignorées à l'import."""

    indicateur = fields.Field(attribute="indicateur", column_name="Code indicateur")
    libelle = fields.Field(column_name="Indicateur", readonly=True)
    unite = fields.Field(column_name="Unité", readonly=True)
    territoire = fields.Field(attribute="territoire", column_name="Code territoire")
    territoire_nom = fields.Field(column_name="Territoire", readonly=True)
    annee = fields.Field(attribute="annee", column_name="Année", widget=AnneeWidget())
    precedente = fields.Field(column_name="Valeur N-1", readonly=True)
    valeur = fields.Field(attribute="valeur", column_name="Valeur", widget=DecimalFrWidget())
    nombre = fields.Field(attribute="nombre", column_name="Nombre", widget=EntierWidget())
    base = fields.Field(attribute="base", column_name="Base", widget=EntierWidget())
    part = fields.Field(column_name="Part calculée (%)", readonly=True)
    source = fields.Field(attribute="source", column_name="Source", widget=TexteWidget())
    commentaire = fields.Field(
        attribute="commentaire", column_name="Commentaire", widget=TexteWidget()
    )
    statut = fields.Field(column_name="Statut", readonly=True)
    demo = fields.Field(column_name="Démo", readonly=True)
    version = fields.Field(column_name="Version", readonly=True)

    class Meta:
        model = Valeur
        fields = (
            "indicateur",
            "libelle",
            "unite",
            "territoire",
            "territoire_nom",
            "annee",
            "precedente",
            "valeur",
            "nombre",
            "base",
            "part",
            "source",
            "commentaire",
            "statut",
            "demo",
            "version",
        )
        import_id_fields = ("indicateur", "territoire", "annee")
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        use_transactions = True
        skip_html_diff = True

    def __init__(self, user=None, annee=None, campagne=None, nom_fichier="", precedentes=None):
        super().__init__()
        self.user, self.annee, self.campagne = user, annee, campagne
        self.nom_fichier = nom_fichier
        self._precedentes = precedentes or {}
        self._indicateurs = self._territoires = None
        self._existantes, self._plages, self._groupes = {}, {}, None
        self.fields["indicateur"].widget = CodeWidget(self.index_indicateurs, "indicateur")
        self.fields["territoire"].widget = CodeWidget(self.index_territoires, "territoire")

    # --- index préchargés (quelques requêtes pour tout le fichier) -----------------------------

    def index_indicateurs(self):
        if self._indicateurs is None:
            self._indicateurs = {i.code: i for i in Indicateur.objects.select_related("producteur")}
        return self._indicateurs

    def index_territoires(self):
        if self._territoires is None:
            self._territoires = {t.code: t for t in Territoire.objects.all()}
        return self._territoires

    def before_import(self, dataset, **kwargs):
        manquantes = [c for c in COLONNES_OBLIGATOIRES if c not in (dataset.headers or [])]
        if manquantes:
            raise ValueError(
                "Colonnes manquantes : "
                + ", ".join(f"« {c} »" for c in manquantes)
                + ". Partez du modèle téléchargé pour cette campagne."
            )
        annees = [self.annee, self.annee - 1]
        valeurs = Valeur.objects.filter(annee__in=annees).select_related("valide_par")
        if not kwargs.get("dry_run"):
            # À la confirmation, on verrouille les valeurs touchées jusqu'à la fin de
            # l'import : personne ne les modifie entre le contrôle et l'écriture.
            valeurs = valeurs.select_for_update(of=("self",))
        for v in valeurs:
            if v.annee == self.annee:
                self._existantes[(v.indicateur_id, v.territoire_id)] = v
            else:
                self._precedentes[(v.indicateur_id, v.territoire_id)] = v.valeur
        self._plages = {
            ligne.pop("indicateur_id"): Plage(**ligne)
            for ligne in Valeur.objects.validees()
            .reelles()
            .filter(annee__lt=self.annee, valeur__isnull=False)
            .values("indicateur_id")
            .annotate(minimum=Min("valeur"), maximum=Max("valeur"), observations=Count("pk"))
        }
        self._groupes = territoires_par_niveau()

    # --- lecture d'une ligne --------------------------------------------------------------------

    def get_instance(self, instance_loader, row):
        try:
            indicateur = self.fields["indicateur"].clean(row)
            territoire = self.fields["territoire"].clean(row)
            annee = self.fields["annee"].clean(row)
        except (ValueError, KeyError):
            return None  # l'erreur sera rapportée sur la colonne par import_instance
        if annee != self.annee:
            return None
        return self._existantes.get((indicateur.pk, territoire.pk))

    def init_instance(self, row=None):
        return Valeur(origine=Valeur.Origine.IMPORT)

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        # La part d'un « nombre et part » est calculée : la colonne « Valeur » reste vide.
        nombre_part = (
            getattr(instance, "indicateur_id", None) and instance.indicateur.est_nombre_part
        )
        if field.attribute == "valeur" and nombre_part:
            if not _vide(row.get(field.column_name)):
                raise ValueError(
                    "La part est calculée à partir du nombre et de la base : laissez la "
                    "colonne « Valeur » vide et renseignez « Nombre » et « Base »."
                )
            return
        super().import_field(field, instance, row, is_m2m, **kwargs)

    def import_instance(self, instance, row, **kwargs):
        instance._version_fichier = None
        instance._version_absente = "Version" not in row
        if not instance._version_absente and not _vide(row.get("Version")):
            try:
                instance._version_fichier = int(Decimal(str(row["Version"])))
            except (InvalidOperation, ValueError):
                raise ValidationError(
                    {"version": f"« {row['Version']} » n’est pas un numéro de version."}
                ) from None
        super().import_instance(instance, row, **kwargs)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if import_validation_errors:
            return False
        if instance.pk is None:
            # Ligne du modèle laissée vide : rien à créer.
            return all(
                getattr(instance, c) in (None, "")
                for c in ("valeur", "nombre", "base", "source", "commentaire")
            )
        return super().skip_row(instance, original, row, import_validation_errors)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        illisibles = set(import_validation_errors or {})
        erreurs = dict(import_validation_errors or {})
        if instance.indicateur_id and instance.territoire_id and "annee" not in erreurs:
            erreurs.update(self.erreurs_metier(instance))
        try:
            # Unicité garantie par la recherche de l'existante (et la contrainte en base).
            super().validate_instance(instance, erreurs, validate_unique=False)
        except ValidationError as exc:
            # Une cellule illisible (« douze ») vaut vide pour le modèle : on ne lui ajoute pas
            # « Renseignez la valeur », seule la première erreur de la colonne compte.
            raise ValidationError(
                {
                    champ: messages[:1] if champ in illisibles else messages
                    for champ, messages in exc.message_dict.items()
                }
            ) from None

    def erreurs_metier(self, instance):
        """Les contrôles de la grille, ligne à ligne : année de la campagne, territoire
        attendu, droits (organisation, campagne, valeur validée), version, valeur atypique."""
        erreurs = {}
        indicateur, territoire = instance.indicateur, instance.territoire
        if instance.annee != self.annee:
            return {
                "annee": f"Ligne de l’année {instance.annee} : ce fichier est importé pour la "
                f"campagne {self.annee}."
            }
        if territoire.type not in indicateur.niveaux_attendus:
            erreurs["territoire"] = (
                f"Aucune valeur n’est attendue pour « {territoire.nom} » sur "
                f"{indicateur.code} (niveaux attendus : "
                f"{', '.join(indicateur.niveaux_libelles).lower()})."
            )
        refus = instance.motif_refus_saisie(self.user, self.campagne, campagne_connue=True)
        if refus:
            erreurs[NON_FIELD_ERRORS] = refus
            return erreurs
        if instance.pk is not None and not instance._version_absente:
            if instance._version_fichier != instance.version:
                erreurs["version"] = (
                    "Cette valeur a été modifiée depuis le téléchargement du modèle (valeur "
                    f"actuelle : {Valeur.objects.get(pk=instance.pk).affichage}) : "
                    "téléchargez un modèle à jour."
                )
        elif instance.pk is None and instance._version_fichier:
            erreurs["version"] = "Cette valeur n’existe plus : téléchargez un modèle à jour."
        donnees = {"valeur": instance.valeur, "nombre": instance.nombre, "base": instance.base}
        message = anomalie(
            indicateur,
            valeur_comparable(indicateur, donnees),
            self._precedentes.get((indicateur.pk, territoire.pk)),
            self.annee,
            self._plages.get(indicateur.pk),
        )
        if message and not instance.commentaire:
            erreurs["commentaire"] = message
        return erreurs

    # --- écriture -----------------------------------------------------------------------------

    def do_instance_save(self, instance, is_create):
        if is_create:
            instance.producteur_id = instance.indicateur.producteur_id
        else:
            instance.version += 1
        # L'opérateur de la ligne de commande n'est pas un compte : la trace reste sans auteur.
        auteur = self.user if isinstance(self.user, User) else None
        instance.origine = Valeur.Origine.IMPORT
        instance.statut = Valeur.Statut.BROUILLON
        instance.saisi_par, instance.saisi_le = auteur, timezone.now()
        instance._history_user = auteur
        instance._change_reason = f"Import de tableur : {self.nom_fichier}"[:100]
        instance.save()

    # --- colonnes d'aide à l'export -----------------------------------------------------------
    # Appelées aussi par le calcul des différences d'import sur une ligne encore vide : une
    # relation non renseignée vaut None (getattr attrape RelatedObjectDoesNotExist).

    def dehydrate_indicateur(self, valeur):
        indicateur = getattr(valeur, "indicateur", None)
        return indicateur.code if indicateur else ""

    def dehydrate_territoire(self, valeur):
        territoire = getattr(valeur, "territoire", None)
        return territoire.code if territoire else ""

    def dehydrate_libelle(self, valeur):
        indicateur = getattr(valeur, "indicateur", None)
        return indicateur.libelle if indicateur else ""

    def dehydrate_unite(self, valeur):
        indicateur = getattr(valeur, "indicateur", None)
        return indicateur.get_unite_display() if indicateur else ""

    def dehydrate_territoire_nom(self, valeur):
        territoire = getattr(valeur, "territoire", None)
        return territoire.nom if territoire else ""

    def dehydrate_precedente(self, valeur):
        return self._precedentes.get((valeur.indicateur_id, valeur.territoire_id))

    def dehydrate_valeur(self, valeur):
        indicateur = getattr(valeur, "indicateur", None)
        return None if indicateur and indicateur.est_nombre_part else valeur.valeur

    def dehydrate_part(self, valeur):
        indicateur = getattr(valeur, "indicateur", None)
        return valeur.valeur if indicateur and indicateur.est_nombre_part else None

    def dehydrate_statut(self, valeur):
        return valeur.get_statut_display() if valeur.pk else "À saisir"

    def dehydrate_demo(self, valeur):
        return "Oui (valeur de démonstration)" if valeur.demo else "Non"

    def dehydrate_version(self, valeur):
        return valeur.version if valeur.pk else None


# --- export du modèle -------------------------------------------------------------------------


MODE_D_EMPLOI = [
    "Modèle de saisie des valeurs — campagne {annee}",
    "",
    "Une ligne par indicateur et par territoire attendu. Renseignez « Valeur » (ou, pour un "
    "indicateur « Nombre et part », « Nombre » et « Base » : la part est calculée).",
    "Les parts et taux s’expriment en pourcentage, entre 0 et 100 ; les nombres sont des "
    "entiers positifs ou nuls.",
    "Un écart de plus de ±50 % avec la valeur N-1, ou une valeur hors de la plage des années "
    "précédentes, doit être expliqué dans « Commentaire ».",
    "Ne modifiez pas les colonnes « Code indicateur », « Code territoire », « Année » ni "
    "« Version » : elles identifient la valeur et protègent contre les écrasements.",
    "Les lignes laissées vides sont ignorées. Les valeurs validées ne peuvent plus être "
    "modifiées. L’import est tout ou rien : une seule ligne en erreur et rien n’est écrit.",
    "Les valeurs marquées « Démo » sont synthétiques : ce ne sont pas des données réelles.",
]


def indicateurs_du_modele(user, engagement=None, producteur=None):
    """Les indicateurs qu'un utilisateur peut remplir, filtrés par engagement ou producteur."""
    indicateurs = Indicateur.objects.with_list_data()
    if not est_spv(user):
        indicateurs = indicateurs.produits_par(roles.organisation_de(user))
    if engagement:
        indicateurs = indicateurs.filter(engagement__numero=engagement)
    if producteur:
        indicateurs = indicateurs.filter(producteur=producteur)
    return list(indicateurs)


def modele_xlsx(annee, user, engagement=None, producteur=None):
    """Le classeur pré-rempli d'une campagne (octets .xlsx) et son nombre de lignes."""
    indicateurs = indicateurs_du_modele(user, engagement, producteur)
    groupes = territoires_par_niveau()
    visibles = (
        Valeur.objects.for_user(user)
        .filter(indicateur__in=indicateurs, annee__in=[annee, annee - 1])
        .only(
            "indicateur_id", "territoire_id", "annee", "valeur", "nombre", "base", "source",
            "commentaire", "statut", "demo", "version",
        )
    )  # fmt: skip
    actuelles, precedentes = {}, {}
    for v in visibles:
        if v.annee == annee:
            actuelles[(v.indicateur_id, v.territoire_id)] = v
        else:
            precedentes[(v.indicateur_id, v.territoire_id)] = v.valeur
    lignes = []
    for ind in indicateurs:
        for territoire in attendus(ind, groupes):
            v = actuelles.get((ind.pk, territoire.pk)) or Valeur(annee=annee)
            v.indicateur, v.territoire = ind, territoire
            lignes.append(v)
    dataset = ValeurResource(annee=annee, precedentes=precedentes).export(queryset=lignes)
    return mettre_en_forme(XLSX().export_data(dataset), annee), len(lignes)


def mettre_en_forme(contenu, annee):
    """Largeurs de colonnes, en-tête figé et feuille « Mode d'emploi » (la feuille des
    valeurs reste la première, celle que l'import relit)."""
    from openpyxl import load_workbook
    from openpyxl.styles import Font

    classeur = load_workbook(io.BytesIO(contenu))
    feuille = classeur.active
    feuille.title = f"Valeurs {annee}"
    feuille.freeze_panes = "A2"
    largeurs = {"B": 60, "E": 36, "L": 40, "M": 40}
    for cellule in feuille[1]:
        cellule.font = Font(bold=True)
        lettre = cellule.column_letter
        feuille.column_dimensions[lettre].width = largeurs.get(lettre, 16)
    aide = classeur.create_sheet("Mode d’emploi")
    for ligne in MODE_D_EMPLOI:
        aide.append([ligne.format(annee=annee)])
    aide["A1"].font = Font(bold=True)
    aide.column_dimensions["A"].width = 120
    classeur.active = 0
    sortie = io.BytesIO()
    classeur.save(sortie)
    return sortie.getvalue()


# --- import -----------------------------------------------------------------------------------


@dataclass
class RapportImport:
    """Ce qu'un import a trouvé (prévisualisation) ou écrit (confirmation)."""

    lignes: int = 0
    nouvelles: int = 0
    modifiees: int = 0
    inchangees: int = 0
    erreurs: list = field(default_factory=list)  # {ligne, colonne, message}
    apercu: list = field(default_factory=list)  # {ligne, action, indicateur, territoire, …}

    @property
    def valide(self):
        return not self.erreurs

    @property
    def nb_lignes_en_erreur(self):
        return len({e["ligne"] for e in self.erreurs})


def lire_classeur(contenu):
    try:
        return XLSX().create_dataset(contenu)
    except Exception:  # openpyxl lève des erreurs variées sur un fichier abîmé
        raise ValueError(
            "Le fichier n’a pas pu être lu : déposez un classeur Excel (.xlsx) enregistré "
            "depuis le modèle."
        ) from None


def importer(contenu, annee, user, dry_run=True, nom_fichier=""):
    """Contrôle (dry_run) ou applique un classeur de valeurs pour la campagne `annee`.

    Tout ou rien : si une ligne est en erreur, la transaction est annulée et rien n'est écrit.
    Lève ValueError si le fichier est illisible."""
    rapport = RapportImport()
    dataset = lire_classeur(contenu)
    campagne = Campagne.objects.filter(annee=annee).first()
    resource = ValeurResource(user=user, annee=annee, campagne=campagne, nom_fichier=nom_fichier)
    resultat = resource.import_data(
        dataset,
        dry_run=dry_run,
        use_transactions=True,
        rollback_on_validation_errors=True,
        retain_instance_in_row_result=True,
    )
    rapport.lignes = len(dataset)
    colonnes = {f.attribute: f.column_name for f in resource.fields.values() if f.attribute}
    colonnes["version"] = "Version"
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
        if ligne.import_type == RowResult.IMPORT_TYPE_NEW:
            rapport.nouvelles += 1
        elif ligne.import_type == RowResult.IMPORT_TYPE_UPDATE:
            rapport.modifiees += 1
        elif ligne.import_type == RowResult.IMPORT_TYPE_SKIP:
            rapport.inchangees += 1
        else:
            continue
        if ligne.import_type in (RowResult.IMPORT_TYPE_NEW, RowResult.IMPORT_TYPE_UPDATE):
            instance = ligne.instance
            rapport.apercu.append(
                {
                    "ligne": numero,
                    "action": "création" if ligne.is_new() else "modification",
                    "indicateur": instance.indicateur.code,
                    "territoire": instance.territoire.nom,
                    "avant": ligne.original.affichage if ligne.original else "",
                    "apres": instance.affichage,
                }
            )
    return rapport


def resumer(rapport):
    """Une phrase de compte rendu, pour les messages et la ligne de commande."""
    return (
        f"{rapport.lignes} ligne(s) lue(s) : {rapport.nouvelles} valeur(s) à créer, "
        f"{rapport.modifiees} à modifier, {rapport.inchangees} inchangée(s) ou vide(s), "
        f"{rapport.nb_lignes_en_erreur} ligne(s) en erreur."
    )


def formater_erreur(erreur):
    ligne = f"Ligne {erreur['ligne']}" if erreur["ligne"] else "Fichier"
    colonne = f", colonne « {erreur['colonne']} »" if erreur["colonne"] else ""
    return f"{ligne}{colonne} : {erreur['message']}"


__all__ = ["importer", "modele_xlsx", "nombre_fr"]
