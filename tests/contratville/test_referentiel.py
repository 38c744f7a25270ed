"""Le chargement du référentiel : tout le contenu des fichiers extraits arrive en base, et un
second chargement ne change rien ni n'écrase les saisies du portail."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from engagements.models import (
    Acteur,
    Action,
    Contrat,
    Engagement,
    Financement,
    PlanStrategie,
    Sigle,
    Signataire,
    Thematique,
)
from indicateurs.models import Indicateur
from quartiers.models import ChiffreCle, ProjetStructurant, Quartier, Secteur
from structures.models import FicheAction, Structure

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def lire(*chemin):
    return json.loads(FIXTURES.joinpath(*chemin).read_text(encoding="utf-8"))


def charger():
    sortie = io.StringIO()
    call_command("load_referentiel", stdout=sortie)
    return sortie.getvalue()


def test_comptes_a_chaque_niveau():
    assert Thematique.objects.count() == 8
    assert Engagement.objects.count() == 30
    assert Signataire.objects.count() == 39
    assert Signataire.objects.filter(type="bailleur").count() == 23
    assert Quartier.objects.count() == 21
    assert Action.objects.count() == 271
    assert Indicateur.objects.du_contrat().count() == 100
    assert Contrat.objects.get().indicateurs_annonces == 94
    assert Sigle.objects.count() == 108
    assert Secteur.objects.count() == 8
    assert ProjetStructurant.objects.count() == 350
    assert ChiffreCle.objects.count() == 158
    assert sum(q.population for q in Quartier.objects.all()) == 121_800


def test_la_base_reprend_chaque_fichier_en_entier():
    engagements = lire("referentiel", "engagements.json")
    assert Action.objects.count() == sum(len(e["actions"]) for e in engagements)
    assert Acteur.objects.count() == sum(len(e["acteurs"]) for e in engagements)
    assert Financement.objects.count() == sum(len(e["financements"]) for e in engagements)
    assert PlanStrategie.objects.count() == sum(len(e["plans"]) for e in engagements)
    assert Acteur.objects.filter(signataire__isnull=False).count() == sum(
        1 for e in engagements for a in e["acteurs"] if a["signataire"]
    )
    quartiers = lire("referentiel", "quartiers.json")
    projets = sum(
        len(q["projets"]) + sum(len(s["projets"]) for s in q["secteurs"]) for q in quartiers
    )
    assert ProjetStructurant.objects.count() == projets
    assert Structure.objects.count() == len(lire("structures", "structures.json"))
    assert FicheAction.objects.count() == len(lire("structures", "fiches.json"))


def test_thematiques_sans_titre_dans_la_source_restent_vides():
    titres = dict(Thematique.objects.values_list("numero", "titre"))
    assert titres[2] == "Se former, travailler ou entreprendre"
    assert titres[8] == "Participer à la vie de mon quartier et de ma ville"
    assert [n for n, t in titres.items() if not t] == [1, 3, 4, 5, 6]
    assert str(Thematique.objects.get(numero=3)) == "Thématique N°3"
    assert list(
        Engagement.objects.filter(thematique__numero=4).values_list("numero", flat=True)
    ) == [16, 17]


def test_contenu_reel_d_un_engagement():
    e1 = Engagement.objects.get(numero=1)
    pilotes = [a.nom for a in e1.acteurs.filter(groupe="pilote").order_by("ordre")]
    assert pilotes == ["Académie de Paris (DASEN, DOPS, DAFPIC)", "Ville de Paris (DASCO)"]
    assert e1.acteurs.get(groupe="pilote", ordre=1).signataire.nom == "Académie de Paris"
    assert e1.parole_source == "Conférence citoyenne, juin-juillet 2023"
    assert e1.actions.count() == 12
    assert e1.actions.filter(type="developper").first().numero == "6"
    # La numérotation imprimée garde le doublon « 5. » de l'engagement 16, dans l'ordre.
    numeros = list(
        Engagement.objects.get(numero=16).actions.order_by("ordre").values_list("numero", flat=True)
    )
    assert numeros.count("5") == 2
    assert Engagement.objects.get(numero=22).indicateurs.count() == 0
    assert Engagement.objects.get(numero=5).indicateurs_en_cours_de_definition


def test_contenu_reel_des_quartiers():
    petit = Quartier.objects.get(slug="petit-belleville")
    assert petit.projets.count() == 10
    maison = petit.projets.get(nom__startswith="Nouvelle Maison France services")
    assert maison.adresse == "73 boulevard de Belleville, 75011 Paris"
    assert maison.statut == "a_venir"
    chomage = petit.chiffres_cles.get(libelle="Taux de chômage")
    assert (chomage.valeur, chomage.valeur_paris) == (16, 11)
    grand = Quartier.objects.get(slug="grand-belleville")
    assert list(grand.arrondissements.values_list("numero", flat=True)) == [11, 20]
    assert grand.secteurs.count() == 2
    assert grand.population == 12_100
    bollaert = Secteur.objects.get(slug="emile-bollaert")
    assert bollaert.quartier.slug == "porte-de-la-chapelle-charles-hermite"
    assert bollaert.population == 1657
    assert Quartier.objects.get(slug="les-portes-du-vingtieme").secteurs.count() == 5


def test_glossaire_et_signataire_dedoublonne():
    assert Sigle.objects.get(sigle="APUR").definition == "Atelier parisien d’urbanisme"
    assert Signataire.objects.filter(nom="CDC Habitat Social").count() == 1


def test_structures_des_semences():
    j2p = Structure.objects.get(slug="j2p")
    assert (j2p.salaries, j2p.benevoles, j2p.adherents) == (7, 50, 500)
    assert j2p.arrondissement.numero == 19 and not j2p.hors_paris
    assert FicheAction.objects.filter(structure__hors_paris=True).count() >= 25
    assert not FicheAction.objects.exclude(statut="validee").exists()


def test_second_chargement_ne_cree_ni_ne_modifie_rien():
    sortie = charger()
    assert "0 créés, 0 modifiés" in sortie


def test_le_chargement_ne_remplace_pas_une_saisie_par_un_vide():
    theme = Thematique.objects.get(numero=3)
    theme.titre = "Titre saisi par le SPV"
    theme.save()
    charger()
    theme.refresh_from_db()
    assert theme.titre == "Titre saisi par le SPV"


def test_le_chargement_remet_le_texte_du_contrat_et_l_historise():
    action = Action.objects.get(engagement__numero=1, ordre=1)
    texte = action.texte
    action.texte = "modifié"
    action.save()
    assert "1 modifiés" in charger()
    action.refresh_from_db()
    assert action.texte == texte
    assert action.history.first().history_change_reason.startswith("Chargement du référentiel")


def test_le_chargement_ne_touche_pas_aux_fiches_saisies():
    structure = Structure.objects.get(slug="j2p")
    fiche = FicheAction.objects.create(structure=structure, titre="Fiche saisie", annee=2025)
    charger()
    fiche.refresh_from_db()
    assert fiche.titre == "Fiche saisie" and fiche.statut == "brouillon"


def test_second_passage_sans_lire_les_grandes_tables(monkeypatch):
    """Les valeurs, structures et fiches-actions (des millions et des dizaines de milliers à
    l'échelle nationale) ne sont jamais chargées en entier : seules celles que les fichiers
    peuvent toucher sont lues."""
    from contratville.chargement import Synchro
    from indicateurs.models import Valeur

    charger()
    original = Synchro._charger_index

    def index_complet(self, model, cles):
        assert model not in (Valeur, Structure, FicheAction), f"toute la table {model} lue"
        return original(self, model, cles)

    monkeypatch.setattr(Synchro, "_charger_index", index_complet)
    sortie = charger()
    assert "créés" in sortie
    assert Valeur.objects.filter(origine=Valeur.Origine.REFERENTIEL).exists()


def test_second_passage_ne_reconstruit_pas_l_index(monkeypatch):
    """L'index de recherche existe déjà : le chargement ne réindexe que ce qu'il a écrit (un
    déploiement national a des dizaines de milliers de fiches à ne pas relire), et un objet
    remis au texte du contrat retrouve son entrée."""
    from contratville.management.commands import load_referentiel
    from recherche.indexation import reindexer
    from recherche.models import EntreeRecherche

    reindexer()
    action = Action.objects.get(engagement__numero=1, ordre=1)
    texte = action.texte
    action.texte = "texte provisoire"
    action.save()
    EntreeRecherche.objects.filter(source="engagements.engagement").delete()

    def interdit():
        raise AssertionError("reconstruction complète de l’index")

    monkeypatch.setattr(load_referentiel, "reindexer", interdit)
    sortie = charger()
    assert "1 modifiés" in sortie and "Index de recherche : 1 entrées créées" in sortie
    entree = EntreeRecherche.objects.get(
        source="engagements.engagement", objet_id=action.engagement_id
    )
    assert texte[:30] in entree.texte


def test_tout_le_referentiel_est_audite():
    """Chaque modèle du référentiel (engagements, quartiers, indicateurs et territoires) garde
    son historique : qui, quand, avant et après. Les listes de l'API mises en cache datent
    aussi leurs données par cet historique (socle/api/cache.py)."""
    from django.apps import apps

    from indicateurs.models import Indicateur, Territoire

    modeles = [
        *apps.get_app_config("engagements").get_models(),
        *apps.get_app_config("quartiers").get_models(),
        Indicateur,
        Territoire,
    ]
    sans_historique = [
        modele.__name__
        for modele in modeles
        if not modele.__name__.startswith("Historical")
        and not modele._meta.auto_created
        and not hasattr(modele, "history")
    ]
    assert sans_historique == []
