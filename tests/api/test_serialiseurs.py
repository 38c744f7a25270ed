"""Les raccourcis de lecture des sérialiseurs (socle/api/serialiseurs.py) : même sortie que
les champs de DRF qu'ils remplacent, sans le travail répété par ligne (signature des méthodes,
résolution d'adresse, gestionnaire et clone de requête par relation préchargée)."""

import inspect
from unittest import mock

import pytest
from django.db.models.manager import BaseManager
from rest_framework import serializers
from rest_framework.test import APIRequestFactory

from indicateurs.api.campagnes import CampagneSerializer
from indicateurs.models import Indicateur, Valeur
from quartiers.api import QuartierSerializer, QuartierViewSet
from quartiers.models import ChiffreCle, Quartier, Secteur
from socle.api.serialiseurs import Adresse, LibelleChoix, libelle_de, prechargee
from tests.api.conftest import ouvrir_campagne

pytestmark = pytest.mark.django_db


def requete():
    return APIRequestFactory().get("/api/v1/")


# --- libellés des choix ------------------------------------------------------------------------


def test_libelle_de_un_choix_egal_a_get_display_pour_chaque_valeur():
    champ = libelle_de("unite")
    assert isinstance(champ, LibelleChoix)
    champ.bind("unite_libelle", serializers.Serializer())
    for code, libelle in Indicateur.Unite.choices:
        indicateur = Indicateur(unite=code)
        assert champ.get_attribute(indicateur) == indicateur.get_unite_display() == libelle
    # Une valeur hors des choix (donnée ancienne) : rendue telle quelle, comme Django.
    assert champ.get_attribute(Indicateur(unite="inconnue")) == "inconnue"


def test_libelle_par_un_objet_lie():
    champ = libelle_de("indicateur.unite")
    champ.bind("unite_libelle", serializers.Serializer())
    indicateur = Indicateur.objects.filter(unite=Indicateur.Unite.PART).first()
    assert champ.get_attribute(Valeur(indicateur=indicateur)) == "Part (en %)"


def test_une_methode_display_ecrite_a_la_main_est_appelee():
    class Ecrite:
        def get_statut_display(self):
            return "écrit à la main"

    champ = libelle_de("statut")
    champ.bind("statut_libelle", serializers.Serializer())
    assert champ.get_attribute(Ecrite()) == "écrit à la main"


def test_aucune_signature_inspectee_par_ligne():
    """DRF inspecte la signature d'une source appelable à chaque ligne : c'était la moitié du
    temps de sérialisation du référentiel. Les libellés n'en demandent plus aucune."""
    quartiers = list(Quartier.objects.with_list_data()[:5])
    contexte = {"request": requete()}
    attendu = QuartierSerializer(quartiers, many=True, context=contexte).data  # échauffement
    with mock.patch.object(inspect, "signature", wraps=inspect.signature) as signature:
        donnees = QuartierSerializer(quartiers, many=True, context=contexte).data
    assert signature.call_count == 0
    assert donnees == attendu and donnees[0]["chiffres_cles"]


# --- adresses ----------------------------------------------------------------------------------


def _adresses(champ_drf, champ_portail, objets):
    for champ in (champ_drf, champ_portail):
        champ.bind("url", serializers.Serializer(context={"request": requete()}))
    return (
        [champ_drf.to_representation(o) for o in objets],
        [champ_portail.to_representation(o) for o in objets],
    )


def test_adresse_egale_a_celle_de_drf_par_identifiant_et_par_slug():
    quartiers = list(Quartier.objects.order_by("pk")[:4])
    attendues, obtenues = _adresses(
        serializers.HyperlinkedIdentityField(view_name="api:quartier-detail", lookup_field="slug"),
        Adresse(view_name="api:quartier-detail", lookup_field="slug"),
        quartiers,
    )
    assert obtenues == attendues
    assert obtenues[0] == f"http://testserver/api/v1/quartiers/{quartiers[0].slug}/"


def test_adresse_dont_la_cle_a_une_forme_imposee():
    """La clé des campagnes est une année ([0-9]{4}) : le témoin est refusé, chaque adresse
    est alors résolue en entier, sans erreur."""
    campagnes = [ouvrir_campagne(annee=a) for a in (2024, 2025)]
    attendues, obtenues = _adresses(
        serializers.HyperlinkedIdentityField(view_name="api:campagne-detail", lookup_field="annee"),
        Adresse(view_name="api:campagne-detail", lookup_field="annee"),
        campagnes,
    )
    assert (
        obtenues
        == attendues
        == [
            "http://testserver/api/v1/campagnes/2024/",
            "http://testserver/api/v1/campagnes/2025/",
        ]
    )
    assert CampagneSerializer(campagnes, many=True, context={"request": requete()}).data


# --- relations préchargées ---------------------------------------------------------------------


def _gestionnaires(quartiers):
    """(données, gestionnaires de relation créés) pour sérialiser `quartiers`."""
    contexte = {"request": requete()}
    init = BaseManager.__init__
    with mock.patch.object(BaseManager, "__init__", autospec=True, side_effect=init) as crees:
        donnees = QuartierSerializer(quartiers, many=True, context=contexte).data
    return donnees, crees.call_count


def test_relations_prechargees_lues_sans_gestionnaire():
    """Avec les relations préchargées, la sérialisation ne crée aucun gestionnaire de relation
    par ligne (arrondissements, secteurs, chiffres clés) ; sans préchargement, la sortie est
    la même."""
    prechargees = list(QuartierViewSet().charger(Quartier.objects.order_by("pk"))[:6])
    assert prechargee(prechargees[0], ["arrondissements"]) is not None
    assert prechargee(prechargees[0], ["quartier", "arrondissements"]) is None
    _, pour_une = _gestionnaires(prechargees[:1])
    avec, pour_six = _gestionnaires(prechargees)
    assert pour_six == pour_une == 0

    nues = [Quartier.objects.get(pk=q.pk) for q in prechargees]
    for quartier, nu in zip(prechargees, nues, strict=True):
        nu.nb_projets, nu.nb_secteurs = quartier.nb_projets, quartier.nb_secteurs
    sans = QuartierSerializer(nues, many=True, context={"request": requete()}).data
    assert avec == sans
    assert any(q["arrondissements"] for q in avec) and any(q["secteurs"] for q in avec)


def test_prechargement_range_en_liste_lu_sans_gestionnaire():
    """`prechargement` range la relation en simple liste (`to_attr`) : ni gestionnaire ni
    clone à la lecture, et la même sortie."""
    from quartiers.models import Arrondissement
    from socle.api.serialiseurs import prechargement

    base = QuartierViewSet().charger(Quartier.objects.order_by("pk"))
    en_listes = base.prefetch_related(
        None  # on remplace les préchargements de la vue par les mêmes, rangés en listes
    ).prefetch_related(
        prechargement("arrondissements", Arrondissement.objects.all()),
        prechargement("secteurs", Secteur.objects.order_by("ordre", "pk")),
        prechargement(
            "chiffres_cles", ChiffreCle.objects.select_related("secteur").order_by("ordre", "pk")
        ),
    )
    quartiers = list(en_listes[:6])
    assert isinstance(prechargee(quartiers[0], ["secteurs"]), list)
    avec, gestionnaires = _gestionnaires(quartiers)
    assert gestionnaires == 0
    attendu, _ = _gestionnaires(list(base[:6]))
    assert avec == attendu
