"""La liste des engagements servie depuis le cache du référentiel (socle/api/cache.py) : le
même corps octet pour octet, une seule requête (la version), et jamais périmée : toute
écriture auditée de ce qu'elle lit (création, modification, suppression) change la version."""

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework import serializers

from engagements.api import EngagementSerializer, EngagementViewSet
from engagements.models import Action, AxeIntervention, Engagement, Signataire
from indicateurs.models import Indicateur
from socle.api import cache as cache_api
from tests.api.conftest import client_api

pytestmark = pytest.mark.django_db

URL = "/api/v1/engagements/"


@pytest.fixture(autouse=True)
def _cache_vide():
    cache.clear()
    yield
    cache.clear()


def lire(client, url=URL):
    with CaptureQueriesContext(connection) as requetes:
        reponse = client.get(url)
    assert reponse.status_code == 200, reponse.content[:300]
    return reponse, len(requetes)


def test_deuxieme_lecture_servie_par_le_cache_a_l_identique():
    client = client_api(None)
    premiere, calcul = lire(client)
    seconde, en_cache = lire(client)
    assert seconde.content == premiere.content
    assert seconde["Content-Type"] == premiere["Content-Type"] == "application/json"
    assert seconde["Allow"] == premiere["Allow"]
    assert en_cache == 1 < calcul  # la version seulement
    assert seconde.json()["count"] == 30


def test_le_cache_ne_depend_pas_du_nombre_de_lignes():
    client = client_api(None)
    lire(client)
    _, avant = lire(client)
    engagement = Engagement.objects.get(numero=5)
    for n in range(3):
        Action.objects.create(engagement=engagement, numero=f"9{n}", ordre=90 + n, texte="x")
    lire(client)
    _, apres = lire(client)
    assert avant == apres == 1


def test_une_ecriture_annulee_ne_change_pas_la_version():
    """Une transaction annulée ne laisse pas d'historique : la version revient à l'identique
    (les réponses gardées restent justes)."""
    modeles = (Engagement, Action)
    avant = cache_api.version(modeles)
    with pytest.raises(RuntimeError), transaction.atomic():
        Action.objects.create(engagement=Engagement.objects.get(numero=5), numero="99", ordre=99)
        assert cache_api.version(modeles) != avant
        raise RuntimeError("annulation")
    assert cache_api.version(modeles) == avant


def _engagement_16(reponse):
    return next(e for e in reponse.json()["results"] if e["numero"] == 16)


def _modifier_action():
    action = Action.objects.filter(engagement__numero=16).order_by("pk").first()
    action.texte = "Texte modifié après la mise en cache"
    action.save()
    return lambda e: any(a["texte"] == action.texte for a in e["actions"])


def _supprimer_axe():
    axe = AxeIntervention.objects.filter(engagement__numero=16).order_by("pk").first()
    restants = AxeIntervention.objects.filter(engagement__numero=16).count() - 1
    axe.delete()
    return lambda e: len(e["axes"]) == restants


def _renommer_signataire():
    signataire = Signataire.objects.filter(acteurs__engagement__numero=16).first()
    signataire.nom = "Signataire renommé après la mise en cache"
    signataire.save()
    return lambda e: signataire.nom in str(e["acteurs"])


def _modifier_indicateur():
    indicateur = Indicateur.objects.filter(engagement__numero=16).order_by("pk").first()
    indicateur.libelle = "Libellé d’indicateur modifié après la mise en cache"
    indicateur.save()
    return lambda e: indicateur.libelle in str(e["indicateurs"])


@pytest.mark.parametrize(
    "ecrire",
    [_modifier_action, _supprimer_axe, _renommer_signataire, _modifier_indicateur],
    ids=["action modifiée", "axe supprimé", "signataire renommé", "indicateur modifié"],
)
def test_une_ecriture_auditee_change_la_reponse(ecrire):
    client = client_api(None)
    lire(client)
    avant, _ = lire(client)  # en cache
    ecrite = ecrire()
    assert not ecrite(_engagement_16(avant))
    apres, requetes = lire(client)
    assert requetes > 1  # recalculée
    assert ecrite(_engagement_16(apres))


def test_une_cle_par_adresse_et_par_hote(settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "portail.exemple.fr"]
    client = client_api(None)
    tout, _ = lire(client)
    filtre, _ = lire(client, URL + "?thematique=4")
    assert [e["numero"] for e in filtre.json()["results"]] == [16, 17]
    assert tout.json()["count"] == 30
    ailleurs = client.get(URL, HTTP_HOST="portail.exemple.fr")
    assert ailleurs.json()["results"][0]["url"].startswith("http://portail.exemple.fr/")
    assert tout.json()["results"][0]["url"].startswith("http://testserver/")


def test_erreur_de_parametre_jamais_mise_en_cache():
    client = client_api(None)
    for _ in range(2):
        assert client.get(URL + "?engagment=3").status_code == 400
        assert client.get(URL + "?page=99").status_code == 404
    assert not any(cle.startswith(":1:api-referentiel:") for cle in getattr(cache, "_cache", {}))


def _modeles_lus(serialiseur, modele):
    """Les modèles dont `serialiseur` (d'objets `modele`) lit des champs, en suivant ses
    sérialiseurs imbriqués et ses relations."""
    lus = {modele}
    for champ in serialiseur.fields.values():
        source = champ.source.split(".")[0]
        champ = getattr(champ, "child", None) or getattr(champ, "child_relation", None) or champ
        if not isinstance(champ, (serializers.BaseSerializer, serializers.RelatedField)):
            continue
        # `*` : l'objet lui-même (adresse, sous-ensemble de ses champs).
        lie = modele if source == "*" else modele._meta.get_field(source).related_model
        lus.add(lie)
        if isinstance(champ, serializers.BaseSerializer):
            lus |= _modeles_lus(champ, lie)
    return lus


def test_la_version_couvre_tout_ce_que_la_liste_lit():
    """Un modèle ajouté au sérialiseur sans l'être à `cache_referentiel` servirait une liste
    périmée après sa modification : ce test le signale."""
    vue = EngagementViewSet()
    lus = _modeles_lus(EngagementSerializer(context={"request": None}), Engagement)
    assert lus <= set(vue.cache_referentiel)
    assert {Signataire, Indicateur, AxeIntervention} <= lus
