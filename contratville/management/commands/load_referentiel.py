"""Charge le référentiel extrait du contrat (fixtures/referentiel) et les structures et
fiches-actions des semences (fixtures/structures) dans la base.

Atomique et idempotent : un second passage affiche 0 créé et 0 modifié. Ne touche jamais
aux données saisies par les utilisateurs (valeurs, fiches créées dans le portail)."""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from contratville.chargement import Synchro
from engagements.models import (
    Acteur,
    Action,
    AxeIntervention,
    Contrat,
    Engagement,
    Financement,
    PlanStrategie,
    Sigle,
    Signataire,
    Thematique,
    slug_signataire,
)
from engagements.signataires import sigle_du_glossaire
from fixtures.extraction.common import FICHIER_SEMENCE_RE
from indicateurs.chargement import charger_chiffres_cles, charger_territoires
from indicateurs.models import Indicateur
from quartiers.models import (
    Arrondissement,
    ChiffreCle,
    ProjetStructurant,
    Quartier,
    Secteur,
    SuiviProjet,
)
from recherche import file
from recherche.indexation import indexer, reindexer
from recherche.models import EntreeRecherche
from structures.models import FicheAction, FinancementStructure, Structure

DOSSIER = Path(settings.BASE_DIR) / "fixtures"


def lire(dossier, nom):
    chemin = dossier / nom
    if not chemin.exists():
        raise CommandError(f"Fichier du référentiel introuvable : {chemin}")
    texte = chemin.read_text(encoding="utf-8")
    # Une source se cite par le titre de son document (fixtures.extraction.common.DOCUMENTS) :
    # un nom de fichier de semence n'a rien à faire dans les pages.
    brut = FICHIER_SEMENCE_RE.search(texte)
    if brut:
        raise CommandError(
            f"{chemin} cite un nom de fichier de semence ({brut.group(0)}) au lieu du titre "
            "de son document : relancez l’extraction (make extract)."
        )
    return json.loads(texte)


class Command(BaseCommand):
    help = "Charge (ou met à jour) le référentiel du contrat de ville depuis fixtures/."

    def add_arguments(self, parser):
        parser.add_argument("--dossier", default=str(DOSSIER), help="dossier fixtures/")

    @transaction.atomic
    def handle(self, *args, dossier, **options):
        dossier = Path(dossier)
        synchro = Synchro()
        ref = dossier / "referentiel"
        self.charger_contrat(synchro, lire(ref, "contrat.json"))
        sigles = lire(ref, "sigles.json")
        signataires = self.charger_signataires(synchro, lire(ref, "signataires.json"), sigles)
        self.charger_engagements(
            synchro, lire(ref, "thematiques.json"), lire(ref, "engagements.json"), signataires
        )
        self.charger_indicateurs(synchro, lire(ref, "indicateurs.json"))
        for s in sigles:
            synchro.upsert(Sigle, {"sigle": s["sigle"]}, {"definition": s["definition"]})
        self.charger_quartiers(synchro, lire(ref, "quartiers.json"))
        st = dossier / "structures"
        self.charger_structures(synchro, lire(st, "structures.json"), lire(st, "fiches.json"))
        # Campagne des indicateurs : territoires, puis chiffres clés en valeurs validées.
        charger_territoires(synchro)
        rapport_chiffres = charger_chiffres_cles(synchro)
        # L'index de la recherche. Premier chargement (index vide) : une reconstruction en une
        # passe, plus rapide que l'objet par objet des signaux. Ensuite, seuls les objets que
        # ce chargement a écrits (signalés dans la file) : un second passage sans écriture ne
        # relit pas les dizaines de milliers de fiches et de structures d'un déploiement
        # national (`reindexer_recherche` reconstruit tout sur demande).
        index = indexer(file.prendre()) if EntreeRecherche.objects.exists() else reindexer()

        for modele, compteur in synchro.compteurs.items():
            self.stdout.write(
                f"  {modele:<35} créés : {compteur['créés']:>4}  modifiés : "
                f"{compteur['modifiés']:>4}  inchangés : {compteur['inchangés']:>4}"
            )
        for ligne in rapport_chiffres:
            self.stdout.write(self.style.WARNING(f"  Chiffres clés : {ligne}"))
        self.stdout.write(f"  Index de recherche : {index.resume()}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Référentiel chargé : {synchro.total('créés')} créés, "
                f"{synchro.total('modifiés')} modifiés, {synchro.total('inchangés')} inchangés."
            )
        )

    def charger_contrat(self, synchro, contrat):
        # Une seule ligne : la clé naturelle est le titre du contrat.
        synchro.upsert(
            Contrat,
            {"titre": "Contrat de ville parisien 2024-2030"},
            {
                "indicateurs_annonces": contrat["indicateurs_annonces"],
                "nombre_qpv": contrat["nombre_qpv"],
                "population_qpv": contrat["population_qpv"],
                "arrondissements": ", ".join(f"{a}e" for a in contrat["arrondissements"]),
                "decret": contrat.get("decret", ""),
            },
        )
        for numero in contrat["arrondissements"]:
            synchro.upsert(Arrondissement, {"numero": numero}, {})

    def charger_signataires(self, synchro, signataires, sigles):
        # Le sigle vient du glossaire du contrat quand une définition désigne le signataire ;
        # sinon il reste vide (et un sigle saisi dans le portail n'est pas effacé).
        glossaire = [(s["sigle"], s["definition"]) for s in sigles]
        return {
            s["nom"]: synchro.upsert(
                Signataire,
                {"nom": s["nom"]},
                {
                    "type": s["type"],
                    "ordre": s["ordre"],
                    "sigle": sigle_du_glossaire(s["nom"], glossaire),
                    "slug": slug_signataire(s["nom"]),
                },
            )
            for s in signataires
        }

    def charger_engagements(self, synchro, thematiques, engagements, signataires):
        themes = {
            t["numero"]: synchro.upsert(Thematique, {"numero": t["numero"]}, {"titre": t["titre"]})
            for t in thematiques
        }
        for e in engagements:
            eng = synchro.upsert(
                Engagement,
                {"numero": e["numero"]},
                {
                    "thematique_id": themes[e["thematique"]].pk,
                    "titre": e["titre"],
                    "problematiques": e["problematiques"],
                    "parole_habitant": e["parole_habitant"],
                    "parole_source": e["parole_source"],
                    "indicateurs_en_cours_de_definition": e["indicateurs_en_cours_de_definition"],
                },
            )
            for i, axe in enumerate(e["axes"], start=1):
                synchro.upsert(
                    AxeIntervention,
                    {"engagement_id": eng.pk, "ordre": i},
                    {"libelle": axe["libelle"], "texte": axe["texte"]},
                )
            for a in e["actions"]:
                synchro.upsert(
                    Action,
                    {"engagement_id": eng.pk, "ordre": a["ordre"]},
                    {"numero": a["numero"], "type": a["type"], "texte": a["texte"]},
                )
            for a in e["acteurs"]:
                signataire = signataires.get(a["signataire"]) if a["signataire"] else None
                if a["signataire"] and signataire is None:
                    raise CommandError(f"Signataire inconnu : {a['signataire']}")
                synchro.upsert(
                    Acteur,
                    {"engagement_id": eng.pk, "groupe": a["groupe"], "ordre": a["ordre"]},
                    {"nom": a["nom"], "signataire_id": signataire.pk if signataire else None},
                )
            for f in e["financements"]:
                synchro.upsert(
                    Financement,
                    {"engagement_id": eng.pk, "ordre": f["ordre"]},
                    {"financeur": f["financeur"], "libelle": f["libelle"], "texte": f["texte"]},
                )
            for i, texte in enumerate(e["plans"], start=1):
                synchro.upsert(
                    PlanStrategie, {"engagement_id": eng.pk, "ordre": i}, {"texte": texte}
                )

    def charger_indicateurs(self, synchro, indicateurs):
        engagements = dict(Engagement.objects.values_list("numero", "pk"))
        existants = set(Indicateur.objects.values_list("code", flat=True))
        for ind in indicateurs:
            valeurs = {
                "engagement_id": engagements[ind["engagement"]],
                "ordre": ind["ordre"],
                "libelle": ind["libelle"],
            }
            # L'unité est déduite du libellé par l'extracteur : le SPV la corrige dans le
            # portail, et un rechargement ne doit pas rétablir la déduction.
            if ind["code"] not in existants:
                valeurs["unite"] = ind["unite"]
            synchro.upsert(Indicateur, {"code": ind["code"]}, valeurs)

    def charger_quartiers(self, synchro, quartiers):
        arrondissements = {a.numero: a for a in Arrondissement.objects.all()}
        for q in quartiers:
            quartier = synchro.upsert(
                Quartier,
                {"slug": q["slug"]},
                {
                    "nom": q["nom"],
                    "nom_fiche": q["nom_fiche"],
                    "ordre": q["ordre"],
                    "population": q["population"],
                    "population_source": q["population_source"],
                    "description": q["description"],
                },
                m2m={"arrondissements": [arrondissements[n] for n in q["arrondissements"]]},
            )
            # Les chiffres et projets d'un QPV sont numérotés à la suite, secteurs compris :
            # (quartier, ordre) reste une clé naturelle stable.
            rang = {"chiffres": 0, "projets": 0}
            self.charger_chiffres(synchro, quartier, None, q["chiffres_cles"], rang)
            self.charger_projets(synchro, quartier, None, q["projets"], rang)
            for s in q["secteurs"]:
                secteur = synchro.upsert(
                    Secteur,
                    {"slug": s["slug"]},
                    {
                        "quartier_id": quartier.pk,
                        "nom": s["nom"],
                        "type": s["type"],
                        "ordre": s["ordre"],
                        "population": s["population"],
                        "population_source": s["population_source"],
                        "description": s["description"],
                    },
                )
                self.charger_chiffres(synchro, quartier, secteur, s["chiffres_cles"], rang)
                self.charger_projets(synchro, quartier, secteur, s["projets"], rang)

    def charger_chiffres(self, synchro, quartier, secteur, chiffres, rang):
        for c in chiffres:
            rang["chiffres"] += 1
            synchro.upsert(
                ChiffreCle,
                {"quartier_id": quartier.pk, "ordre": rang["chiffres"]},
                {
                    "secteur_id": secteur.pk if secteur else None,
                    "libelle": c["libelle"],
                    "qualificatif": c["qualificatif"],
                    "texte": c["texte"],
                    "valeur": c["valeur"],
                    "unite": c["unite"],
                    "valeur_paris": c["valeur_paris"],
                    "source": c["source"],
                    "annee": c["annee"],
                    # Provenance : ce que l'extracteur a lu (réserve imprimée) ou déduit
                    # (attribution des sources, périmètre hors micro-quartier), et pourquoi.
                    "reserve_perimetre": c["reserve_perimetre"],
                    "deduite": c["deduite"],
                    "motif_deduction": c["motif_deduction"],
                    "parties": c["parties"],
                },
            )

    def charger_projets(self, synchro, quartier, secteur, projets, rang):
        # Un projet suivi dans le portail (SuiviProjet) a le statut de sa dernière étape de
        # suivi : le statut normalisé du contrat ne le remplace plus (statut_brut, le texte du
        # contrat, reste chargé).
        if not hasattr(self, "_projets_suivis"):
            self._projets_suivis = set(
                SuiviProjet.objects.values_list("projet__quartier_id", "projet__ordre")
            )
        for p in projets:
            rang["projets"] += 1
            champs = {
                "secteur_id": secteur.pk if secteur else None,
                "nom": p["nom"],
                "descriptif": p["descriptif"],
                "adresse": p["adresse"],
                "cartographiable": p["cartographiable"],
                "statut": p["statut"],
                "statut_brut": p["statut_brut"],
            }
            if (quartier.pk, rang["projets"]) in self._projets_suivis:
                del champs["statut"]
            synchro.upsert(
                ProjetStructurant, {"quartier_id": quartier.pk, "ordre": rang["projets"]}, champs
            )

    def charger_structures(self, synchro, structures, fiches):
        arrondissements = {a.numero: a for a in Arrondissement.objects.all()}
        quartiers = {q.slug: q for q in Quartier.objects.all()}
        engagements = {e.numero: e for e in Engagement.objects.all()}
        # Seules les structures et les fiches des fichiers sont lues (des milliers d'autres,
        # saisies dans le portail, ne concernent pas le chargement).
        synchro.precharger(
            Structure, ("slug",), Structure.objects.filter(slug__in=[s["slug"] for s in structures])
        )
        synchro.precharger(
            FicheAction, ("cle",), FicheAction.objects.filter(cle__in=[f["cle"] for f in fiches])
        )
        index = {}
        for s in structures:
            arrondissement = s.get("arrondissement")
            if arrondissement and arrondissement not in arrondissements:
                arrondissements[arrondissement] = synchro.upsert(
                    Arrondissement, {"numero": arrondissement}, {}
                )
            structure = synchro.upsert(
                Structure,
                {"slug": s["slug"]},
                {
                    "nom": s["nom"],
                    "type": s["type"],
                    "adresse": s.get("adresse", ""),
                    "code_postal": s.get("code_postal", ""),
                    "commune": s.get("commune", ""),
                    "arrondissement_id": (
                        arrondissements[arrondissement].pk if arrondissement else None
                    ),
                    "departement": s.get("departement", ""),
                    "hors_paris": s["hors_paris"],
                    "annee_creation": s.get("annee_creation"),
                    "salaries": s.get("salaries"),
                    "benevoles": s.get("benevoles"),
                    "adherents": s.get("adherents"),
                    "budget": s.get("budget"),
                    "description": s.get("description", ""),
                    "source": s.get("source", ""),
                    "langue": s.get("langue", "fr"),
                    "deduite": s.get("deduite", False),
                    "motif_deduction": s.get("motif_deduction", ""),
                },
                m2m={"quartiers": [quartiers[q] for q in s.get("quartiers", [])]},
            )
            index[s["slug"]] = structure
            for i, f in enumerate(s.get("financements", []), start=1):
                synchro.upsert(
                    FinancementStructure,
                    {"structure_id": structure.pk, "ordre": i},
                    {
                        "financeur": f["financeur"],
                        "part": f.get("part"),
                        "texte": f.get("texte", ""),
                    },
                )
        champs_texte = [
            "motif_fin", "dimension", "resume", "initiative_precision", "territoire",
            "description", "description_generale", "ressources_financieres",
            "personnes_mobilisees", "resultats_territoire", "resultats_structure",
            "resultats_habitants", "limites", "perspectives", "objectifs", "actions_menees",
            "resultats_quantitatifs", "partenariats", "difficultes", "solutions",
            "facteurs_reussite", "source", "langue", "motif_deduction",
        ]  # fmt: skip
        for f in fiches:
            valeurs = {champ: f.get(champ, "") for champ in champs_texte}
            valeurs.update(
                {
                    "structure_id": index[f["structure"]].pk,
                    "titre": f["titre"],
                    "annee": f.get("annee"),
                    "etat": f["statut"],
                    "mots_cles": f.get("mots_cles", []),
                    "initiative": f.get("initiative", []),
                    "publics": f.get("publics", []),
                    "partenaires": f.get("partenaires", []),
                    "nb_salaries": f.get("nb_salaries"),
                    "nb_benevoles": f.get("nb_benevoles"),
                    "nb_autres": f.get("nb_autres"),
                    # État « en cours » ou année déduits par l'extracteur (motif à côté).
                    "deduite": f.get("deduite", False),
                    # Les fiches des sources sont publiées : elles apparaissent validées.
                    "statut": FicheAction.Statut.VALIDEE,
                }
            )
            synchro.upsert(
                FicheAction,
                {"cle": f["cle"]},
                valeurs,
                m2m={
                    "engagements": [engagements[n] for n in f.get("engagements", [])],
                    "quartiers": [quartiers[q] for q in f.get("quartiers", [])],
                },
            )
