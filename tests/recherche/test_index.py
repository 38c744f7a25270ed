"""L'index suit les écritures sans reconstruction : enregistrement, suppression, relations
multiples, parties d'un engagement, objets qui en citent d'autres ; la commande
`reindexer_recherche` est idempotente et rattrape les écritures hors signaux."""

import io

import pytest
from django.core.management import call_command

from engagements.models import Action, Engagement, Sigle
from quartiers.models import ProjetStructurant, Quartier
from recherche.indexation import indexer, reindexer
from recherche.models import EntreeRecherche, MotRecherche
from recherche.moteur import rechercher
from structures.models import Structure
from tests.recherche.conftest import titres, tout

pytestmark = pytest.mark.django_db


def test_engagement_renomme_trouve_sous_son_nouveau_titre(utilisateurs, ecriture):
    spv = utilisateurs["spv"]
    e = Engagement.objects.get(numero=3)
    with ecriture():
        e.titre = "Ouvrir des bibliothèques ornithorynques"
        e.save()
    recherche = rechercher("ornithorynque", spv, apercu=True)
    assert titres(recherche, "engagements") == [
        "Engagement 3 : Ouvrir des bibliothèques ornithorynques"
    ]
    # Les actions de l'engagement affichent son titre : mises à jour aussi.
    action = Action.objects.filter(engagement=e).first()
    entree = EntreeRecherche.objects.get(source="engagements.action", objet_id=action.pk)
    assert "ornithorynques" in entree.contexte


def test_sans_validation_rien_ne_change(utilisateurs):
    """L'index ne voit que des données validées : une écriture dans une transaction qui n'est
    pas (encore) validée ne l'atteint pas."""
    e = Engagement.objects.get(numero=3)
    e.titre = "Ouvrir des bibliothèques ornithorynques"
    e.save()
    assert rechercher("ornithorynque", utilisateurs["spv"]).rubriques == []


def test_action_ajoutee_puis_supprimee(utilisateurs, ecriture):
    spv = utilisateurs["spv"]
    e = Engagement.objects.get(numero=5)
    with ecriture():
        action = Action.objects.create(
            engagement=e, numero="99", ordre=99, type="developper", texte="Former des kangourous"
        )
    assert titres(tout("kangourous", spv, "actions"), "actions") == ["Engagement 5, action 99"]
    # Le texte des actions fait partie de l'engagement.
    assert 5 in {
        int(r.url.strip("/").split("/")[-1])
        for r in tout("kangourous", spv, "engagements").resultats
    }
    with ecriture():
        action.delete()
    assert rechercher("kangourous", spv).rubriques == []


def test_sigle_supprime(utilisateurs, ecriture):
    with ecriture():
        Sigle.objects.create(sigle="ZQX", definition="Zone quantique expérimentale")
    assert titres(rechercher("ZQX", utilisateurs["spv"], apercu=True), "glossaire") == ["ZQX"]
    with ecriture():
        Sigle.objects.get(sigle="ZQX").delete()
    assert rechercher("ZQX", utilisateurs["spv"]).rubriques == []
    assert not EntreeRecherche.objects.filter(source="engagements.sigle", titre="ZQX").exists()


def test_relations_multiples_et_objets_cites(utilisateurs, ecriture):
    spv = utilisateurs["spv"]
    structure = Structure.objects.get(slug="centre-social-danube")
    goutte = Quartier.objects.get(slug="goutte-dor")
    with ecriture():
        goutte.nom = "Goutte d’Okapi"
        goutte.save()
    # Le nom du quartier figure dans ses projets : ils le suivent.
    projets = tout("okapi", spv, "projets").resultats
    assert len(projets) == ProjetStructurant.objects.filter(quartier=goutte).count()
    with ecriture():
        structure.quartiers.add(goutte)  # relation directe
    assert structure.nom in [r.titre for r in tout("okapi", spv, "structures").resultats]
    with ecriture():
        goutte.structures.remove(structure)  # côté inverse
    assert structure.nom not in [r.titre for r in tout("okapi", spv, "structures").resultats]


def test_commande_idempotente_et_rattrapage(utilisateurs):
    sortie = io.StringIO()
    call_command("reindexer_recherche", stdout=sortie)
    assert "0 entrées créées, 0 modifiées" in sortie.getvalue()
    # Une écriture hors signaux (update) n'est pas vue… jusqu'à la reconstruction.
    Engagement.objects.filter(numero=7).update(titre="Engagement des wombats")
    assert rechercher("wombats", utilisateurs["spv"]).rubriques == []
    compteurs = reindexer()
    assert compteurs["modifiées"] >= 1 and compteurs["créées"] == 0
    assert titres(rechercher("wombats", utilisateurs["spv"], apercu=True), "engagements")
    # Une entrée orpheline (objet supprimé hors signaux) disparaît ; le lexique suit.
    e7 = Engagement.objects.get(numero=7)
    EntreeRecherche.objects.filter(source="engagements.engagement", objet_id=e7.pk).update(
        objet_id=999_999
    )
    compteurs = reindexer()
    assert compteurs["supprimées"] == 1 and compteurs["créées"] == 1
    assert MotRecherche.objects.filter(mot="wombats").exists()
    Engagement.objects.filter(numero=7).update(titre="Engagement sans marsupial")
    reindexer()
    assert not MotRecherche.objects.filter(mot="wombats").exists()


def test_indexer_un_objet_disparu(utilisateurs):
    compteurs = indexer([("engagements.engagement", 999_999), ("inconnu.modele", 1)])
    assert compteurs["créées"] == compteurs["supprimées"] == 0


def test_reconstruction_par_paquets(utilisateurs, monkeypatch):
    """La reconstruction complète relit les objets par paquets (mémoire bornée) : même index
    qu'en une fois, orphelines comprises, et un second passage n'écrit rien."""
    from recherche import indexation

    avant = set(EntreeRecherche.objects.values_list("source", "objet_id", "plie"))
    EntreeRecherche.objects.all().delete()
    EntreeRecherche.objects.create(
        source="engagements.engagement", objet_id=999_999, type="engagements", titre="x",
        url="/", intitule="x", titre_plie="x", plie=" x ",
    )  # fmt: skip
    monkeypatch.setattr(indexation, "PAQUET_REINDEXATION", 3)
    compteurs = reindexer()
    assert compteurs["créées"] == len(avant) and compteurs["supprimées"] == 1
    assert set(EntreeRecherche.objects.values_list("source", "objet_id", "plie")) == avant
    compteurs = reindexer()
    assert compteurs["créées"] == compteurs["modifiées"] == compteurs["supprimées"] == 0
