"""Le moteur de recherche sur le référentiel réel (PostgreSQL) : accents, racines, fautes de
frappe, sigles du glossaire, visibilité des structures et fiches, classement, pagination.
Les cas qui ont un sens sans PostgreSQL sont rejoués par le repli (`repli=True`), qui cherche
dans le texte plié de la même table."""

import re

import pytest
from django.db import connection

from engagements.models import Action, Engagement, Signataire
from indicateurs.models import Indicateur
from recherche.models import Rubrique
from recherche.moteur import PAR_RUBRIQUE, rechercher
from recherche.texte import SaisieInvalide, plier
from structures.models import FicheAction, Structure
from tests.recherche.conftest import titres, tout

pytestmark = pytest.mark.django_db

MOTEURS = pytest.mark.parametrize("repli", [False, True], ids=["postgresql", "repli"])


@pytest.fixture(autouse=True)
def _postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("La recherche plein texte se teste sur PostgreSQL (le repli aussi, forcé).")


def numeros(recherche):
    return {int(r.url.strip("/").split("/")[-1]) for r in recherche.resultats}


# --- accents, racines, fautes de frappe ---------------------------------------------------------


@MOTEURS
def test_sans_accent_comme_avec(utilisateurs, repli):
    spv = utilisateurs["spv"]
    avec = tout("santé", spv, "engagements", repli=repli)
    sans = tout("sante", spv, "engagements", repli=repli)
    assert numeros(sans) == numeros(avec)
    assert {16, 17} <= numeros(sans)
    assert [r.nombre for r in rechercher("SANTE", spv, repli=repli).rubriques] == [
        r.nombre for r in rechercher("santé", spv, repli=repli).rubriques
    ]


@MOTEURS
def test_pas_de_correspondance_au_milieu_d_un_mot(utilisateurs, repli):
    # L'engagement 22 ne parle de « sante » que dans « grandissante » : l'ancienne recherche
    # par sous-chaîne le trouvait.
    e22 = Engagement.objects.get(numero=22)
    assert "grandissante" in e22.problematiques and "santé" not in e22.problematiques.lower()
    assert 22 not in numeros(tout("sante", utilisateurs["spv"], "engagements", repli=repli))


def test_racines_francaises(utilisateurs):
    # « ateliers » trouve « atelier », « numériques » trouve « numérique ».
    spv = utilisateurs["spv"]
    assert "L'atelier du faire ensemble: Un espace d'échange et de convivialité" in titres(
        tout("ateliers", spv, "fiches-actions"), "fiches-actions"
    )
    assert "Clinique du numérique" in titres(tout("numériques", spv, "projets"), "projets")


@pytest.mark.parametrize("faute", ["santée", "santé"])
def test_faute_de_frappe_corrigee_par_le_lexique(utilisateurs, faute):
    spv = utilisateurs["spv"]
    attendu = numeros(tout("santé", spv, "engagements"))
    recherche = tout(faute, spv, "engagements")
    assert numeros(recherche) == attendu
    if faute == "santée":
        assert recherche.corrections == [("santee", ["sante"])]
    else:
        assert recherche.corrections == []  # un mot du portail n'est jamais « corrigé »


def test_qartier_trouve_quartier(utilisateurs):
    recherche = rechercher("qartier", utilisateurs["spv"], apercu=True)
    assert recherche.corrections == [("qartier", ["quartier"])]
    projets = titres(tout("qartier", utilisateurs["spv"], "projets"), "projets")
    assert "Signalétique de quartier" in projets
    assert "<mark>quartier</mark>" in next(
        r.titre_html
        for r in tout("qartier", utilisateurs["spv"], "projets").resultats
        if r.titre == "Signalétique de quartier"
    )


def test_mots_vides_seuls(utilisateurs):
    recherche = rechercher("de la", utilisateurs["spv"], apercu=True)
    assert recherche.termes == [] and recherche.rubriques == []


# --- sigles -------------------------------------------------------------------------------------


@MOTEURS
def test_caf_trouve_la_caisse_d_allocations_familiales(utilisateurs, ecriture, repli):
    spv = utilisateurs["spv"]
    caf = Signataire.objects.get(nom="Caisse d’Allocations Familiales")
    with ecriture():
        indicateur = Indicateur.objects.get(code="E05-1")
        indicateur.producteur = caf
        indicateur.save()
    recherche = rechercher("Caf", spv, apercu=True, repli=repli)
    assert recherche.sigles == [("Caf", "Caisse d’allocations familiales")]
    # Résultats exacts d'abord : le sigle, puis le signataire (sa forme développée).
    assert [r.type for r in recherche.rubriques[:2]] == ["glossaire", "signataires"]
    assert titres(recherche, "glossaire") == ["Caf"]
    assert titres(recherche, "signataires") == ["Caisse d’Allocations Familiales"]
    assert recherche.rubriques[0].resultats[0].exact
    # Les indicateurs qu'elle produit, les engagements dont elle est actrice ou financeuse.
    indicateurs = tout("Caf", spv, "indicateurs", repli=repli).resultats
    assert "E05-1" in [r.titre.split(" ")[0] for r in indicateurs]
    assert any("produit par Caisse d’Allocations Familiales" in r.contexte for r in indicateurs)
    attendus = set(
        Engagement.objects.filter(financements__financeur="caf").values_list("numero", flat=True)
    ) | set(Engagement.objects.filter(acteurs__signataire=caf).values_list("numero", flat=True))
    assert attendus and attendus <= numeros(tout("Caf", spv, "engagements", repli=repli))


@MOTEURS
def test_caf_ne_surligne_que_le_sigle_et_sa_definition(utilisateurs, repli):
    recherche = rechercher("Caf", utilisateurs["spv"], par_page=None, repli=repli)
    html = " ".join(r.titre_html + r.extrait_html for r in recherche.resultats)
    marques = {plier(m) for m in re.findall(r"<mark>([^<]*)</mark>", html)}
    assert "caf" in marques
    assert marques <= {"caf", "caisse", "caisses", "allocation", "allocations", "familiale",
                       "familiales"}  # fmt: skip
    if not repli:
        assert "cafés" in html  # dans un extrait de ts_headline, mais pas surligné


@MOTEURS
def test_caf_ne_trouve_pas_les_cafes(utilisateurs, repli):
    projets = titres(tout("Caf", utilisateurs["spv"], "projets", repli=repli), "projets")
    assert projets and "Un café des enfants à la Goutte d’Or" not in projets
    # Sans sigle, « cafés » se cherche comme un mot (racine) : le café des enfants est trouvé.
    assert "Un café des enfants à la Goutte d’Or" in titres(
        tout("cafés", utilisateurs["spv"], "projets", repli=repli), "projets"
    )


@MOTEURS
def test_qpv_trouve_le_glossaire_et_les_quartiers_prioritaires(utilisateurs, repli):
    recherche = rechercher("QPV", utilisateurs["spv"], apercu=True, repli=repli)
    assert recherche.rubriques[0].type == "glossaire"
    assert recherche.rubriques[0].resultats[0].titre == "QPV"
    assert "<mark>QPV</mark>" in recherche.rubriques[0].resultats[0].titre_html
    # « quartier prioritaire », la lecture courante du sigle, est cherché aussi.
    actions = tout("QPV", utilisateurs["spv"], "actions", repli=repli).resultats
    textes = Action.objects.filter(pk__in=[r.objet_id for r in actions]).values_list(
        "texte", flat=True
    )
    assert any("prioritaire" in x and "politique" not in x for x in textes)


# --- visibilité des structures et des fiches ----------------------------------------------------


@pytest.fixture
def fiche_brouillon(ecriture):
    """Une fiche en brouillon de J2P (la structure du compte « structure »)."""
    with ecriture():
        return FicheAction.objects.create(
            structure=Structure.objects.get(slug="j2p"),
            titre="Zanzibarologie pour tous",
            resume="Des ateliers numériques de zanzibarologie au pied des immeubles.",
            statut=FicheAction.Statut.BROUILLON,
        )


@MOTEURS
@pytest.mark.parametrize(
    "compte, voit",
    [
        ("spv", True),
        ("structure", True),
        ("autre_structure", False),
        ("partenaire", False),
        ("delegue", False),
        ("anonyme", False),
    ],
)
def test_fiche_en_brouillon_vue_par_sa_structure_et_le_spv(
    comptes, fiche_brouillon, compte, voit, repli
):
    recherche = rechercher("zanzibarologie", comptes[compte], apercu=True, repli=repli)
    assert (titres(recherche, "fiches-actions") == ["Zanzibarologie pour tous"]) is voit
    assert ("fiches-actions" in [r.type for r in recherche.rubriques]) is voit


def test_ateliers_numeriques_pour_le_spv(comptes):
    """Aucune fiche des semences ne contient les deux mots : chaque rubrique garde les
    résultats qui en contiennent le plus (ici « ateliers »), signalés comme partiels."""
    recherche = rechercher("ateliers numériques", comptes["spv"], apercu=True)
    fiches = next(r for r in recherche.rubriques if r.type == "fiches-actions")
    assert not fiches.complete and fiches.nombre >= 3
    seeds = set(FicheAction.objects.exclude(cle="").values_list("titre", flat=True))
    assert set(titres(recherche, "fiches-actions")) <= seeds
    engagements = next(r for r in recherche.rubriques if r.type == "engagements")
    assert engagements.complete  # l'engagement 19 parle d'ateliers et d'usages numériques
    # Les rubriques complètes viennent avant les partielles.
    completes = [r.complete for r in recherche.rubriques]
    assert completes == sorted(completes, reverse=True)
    for compte in ("anonyme", "autre_structure"):
        visibles = rechercher("ateliers numériques", comptes[compte], apercu=True)
        assert not set(titres(visibles, "fiches-actions")) - set(
            FicheAction.objects.for_user(comptes[compte]).values_list("titre", flat=True)
        )
    assert "fiches-actions" not in [
        r.type for r in rechercher("ateliers numériques", comptes["anonyme"]).rubriques
    ]


@MOTEURS
def test_structures_selon_le_compte(comptes, repli):
    for compte, attendu in [("spv", True), ("structure", True), ("anonyme", False)]:
        recherche = rechercher("J2P", comptes[compte], apercu=True, repli=repli)
        assert ("structures" in [r.type for r in recherche.rubriques]) is attendu, compte
    autre = rechercher("J2P", comptes["autre_structure"], type="structures", repli=repli)
    assert autre.resultats == []


# --- classement, pagination, surlignage ---------------------------------------------------------


@MOTEURS
def test_apercu_puis_rubrique_paginee(utilisateurs, repli):
    spv = utilisateurs["spv"]
    apercu = rechercher("santé", spv, apercu=True, repli=repli)
    actions = next(r for r in apercu.rubriques if r.type == "actions")
    assert actions.nombre > PAR_RUBRIQUE and len(actions.resultats) == PAR_RUBRIQUE
    assert actions.plus
    pages = [
        rechercher("santé", spv, type="actions", page=n, par_page=10, repli=repli)
        for n in (1, 2, 3)
    ]
    assert [p.nombre for p in pages] == [actions.nombre] * 3
    assert pages[0].pages == -(-actions.nombre // 10)
    vus = [(r.source, r.objet_id) for p in pages for r in p.resultats]
    assert len(vus) == len(set(vus)) == actions.nombre
    # L'aperçu montre les premiers de la rubrique, dans le même ordre.
    assert [r.objet_id for r in actions.resultats] == [r.objet_id for r in pages[0].resultats][
        :PAR_RUBRIQUE
    ]
    hors = rechercher("santé", spv, type="actions", page=99, par_page=10, repli=repli)
    assert hors.page_inexistante and hors.resultats == []
    # Sans rubrique ni aperçu (l'API) : toutes les rubriques à la suite, dans l'ordre.
    liste = rechercher("santé", spv, par_page=None, repli=repli)
    assert len(liste.resultats) == sum(r.nombre for r in apercu.rubriques)
    ordre = [r.type for r in liste.resultats]
    assert sorted(set(ordre), key=ordre.index) == [r.type for r in apercu.rubriques]


@MOTEURS
def test_resultat_exact_en_tete(utilisateurs, repli):
    recherche = tout("E05-2", utilisateurs["spv"], "indicateurs", repli=repli)
    assert recherche.resultats[0].titre.startswith("E05-2 – ") and recherche.resultats[0].exact
    goutte = rechercher("Goutte d'Or", utilisateurs["spv"], apercu=True, repli=repli)
    assert goutte.rubriques[0].type == "quartiers"
    assert goutte.rubriques[0].resultats[0].url == "/quartiers/goutte-dor/"


@MOTEURS
def test_surlignage_echappe(utilisateurs, ecriture, repli):
    with ecriture():
        FicheAction.objects.create(
            structure=Structure.objects.get(slug="j2p"),
            titre="<script>alert('x')</script> Quokkas & compagnie",
            resume="Un atelier <b>quokka</b> pour les enfants.",
            statut=FicheAction.Statut.VALIDEE,
        )
    (resultat,) = tout("quokkas", utilisateurs["spv"], "fiches-actions", repli=repli).resultats
    assert "<script>" not in resultat.titre_html and "&lt;script&gt;" in resultat.titre_html
    assert "<mark>Quokkas</mark> &amp; compagnie" in resultat.titre_html
    # L'extrait de PostgreSQL (ts_headline) retire les balises du texte ; le repli les échappe.
    assert "<b>" not in resultat.extrait_html and "<mark>quokka</mark>" in resultat.extrait_html


@pytest.mark.parametrize(
    "q, code",
    [("a\x00b", "caractere_nul"), ("x" * 201, "trop_longue"), (" a ", "trop_courte")],
)
def test_saisies_refusees(utilisateurs, q, code):
    with pytest.raises(SaisieInvalide) as refus:
        rechercher(q, utilisateurs["spv"])
    assert refus.value.code == code


def test_rubrique_inconnue(utilisateurs):
    with pytest.raises(SaisieInvalide, match="Rubrique inconnue"):
        rechercher("santé", utilisateurs["spv"], type="nimporte")
    assert {r.value for r in Rubrique} >= {"engagements", "fiches-actions", "glossaire"}
