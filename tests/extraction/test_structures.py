"""Extraction des structures et fiches-actions des semences (sans Django, sans base).

Lancer seul, sans pytest-django ni le conftest (qui importe Django) :
`.venv/bin/python -m pytest -p no:django -o addopts="" -W ignore::pytest.PytestConfigWarning
--noconftest tests/extraction/test_structures.py` ; passe aussi dans la suite normale.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from fixtures.extraction import structures as extraction
from fixtures.extraction.common import DOCUMENTS, ExtractionError
from structures import listes

SEEDS = extraction.DEFAULT_SEEDS_DIR

pytestmark = pytest.mark.skipif(
    not (SEEDS / extraction.SOURCE_OBSERVATOIRE).exists(), reason="semences absentes"
)


@pytest.fixture(scope="module")
def data():
    return extraction.extract(SEEDS)


@pytest.fixture(scope="module")
def structures(data):
    return {s["slug"]: s for s in data["structures"]}


@pytest.fixture(scope="module")
def fiches(data):
    return {f["cle"]: f for f in data["fiches"]}


# --- comptes -----------------------------------------------------------------------------


def test_25_fiches_de_l_observatoire(data):
    cles = [f["cle"] for f in data["fiches"] if f["cle"].startswith("004-")]
    assert cles == [f"004-{n:02d}" for n in range(1, 26)]


def test_nombre_de_structures_par_source(data):
    par_source = {}
    for s in data["structures"]:
        # La source cite le titre du document (jamais le nom du fichier de semence).
        prefixe = next(f[:3] for f, titre in DOCUMENTS.items() if s["source"].startswith(titre))
        par_source[prefixe] = par_source.get(prefixe, 0) + 1
    # 20 « Structure organisatrice » distinctes dans 004 (Éclaté André Malraux : 4 fiches,
    # Montreuil - Vauban et Lucie Aubrac : 2 fiches chacun).
    assert par_source == {"000": 1, "001": 7, "002": 10, "004": 20}
    assert len(data["structures"]) == 38
    assert len(data["fiches"]) == 36  # 1 (J2P) + 10 (002) + 25 (004)


def test_cles_et_slugs_uniques_et_fiches_rattachees(data):
    slugs = [s["slug"] for s in data["structures"]]
    cles = [f["cle"] for f in data["fiches"]]
    assert len(set(slugs)) == len(slugs)
    assert len(set(cles)) == len(cles)
    assert {f["structure"] for f in data["fiches"]} <= set(slugs)


def test_ordre_des_cles_conforme_au_schema(data):
    assert list(data["structures"][0]) == [
        "slug", "nom", "type", "adresse", "code_postal", "commune", "arrondissement",
        "departement", "hors_paris", "quartiers", "annee_creation", "salaries", "benevoles",
        "adherents", "budget", "financements", "description", "langue", "source",
        "deduite", "motif_deduction",
    ]  # fmt: skip
    fiche = data["fiches"][0]
    assert list(fiche)[:5] == ["cle", "titre", "structure", "annee", "statut"]
    assert list(fiche)[-6:] == [
        "engagements", "quartiers", "langue", "source", "deduite", "motif_deduction",
    ]  # fmt: skip
    assert all(f["engagements"] == [] for f in data["fiches"])


# --- 000 : J2P --------------------------------------------------------------------------


def test_profil_j2p(structures):
    j2p = structures["j2p"]
    assert j2p["nom"] == "J2P (Jaurès Pantin Petit)"
    assert j2p["type"] == "centre_social"
    assert j2p["adresse"] == "19-24-32 rue Petit"
    assert (j2p["code_postal"], j2p["commune"], j2p["arrondissement"]) == ("75019", "Paris", 19)
    assert (j2p["departement"], j2p["hors_paris"]) == ("Paris", False)
    assert j2p["annee_creation"] == 1997
    assert (j2p["salaries"], j2p["benevoles"], j2p["adherents"]) == (7, 50, 500)
    assert j2p["budget"] == 600000
    assert j2p["langue"] == "en"  # rapport en anglais : balisé lang="en" dans les pages
    assert [(f["financeur"], f["part"]) for f in j2p["financements"]] == [
        ("Fonds publics", 70.0),
        ("Fonds privés", 30.0),
    ]
    assert "Fondation Sisley d'Ornano" in j2p["financements"][1]["texte"]
    assert j2p["source"].startswith(
        "Rapport RESOLIS sur le centre social et culturel J2P (Paris 19e), 2016"
    )
    assert "Creative Commons" in j2p["source"]


def test_fiche_j2p_en_anglais_rubrique_par_rubrique(fiches):
    fiche = fiches["000-01"]
    assert fiche["structure"] == "j2p"
    assert fiche["titre"].startswith("The J2P social and cultural centre: giving people")
    assert (fiche["annee"], fiche["statut"]) == (2016, "en_cours")
    assert fiche["resume"].startswith("Since 2006, the residents' association J2P")
    assert fiche["description"].startswith("J2P (Jaurès Pantin Petit) stems from")
    assert fiche["objectifs"].split("\n") == [
        "- Promote the integration of residents in difficult situations",
        "- Participate in the social and cultural development of a neighbourhood",
        "- Provide access for everyone to knowledge, understanding and culture",
    ]
    assert fiche["actions_menees"].startswith("Various activities for residents")
    assert fiche["actions_menees"].count("\n- ") == 8
    assert "84 participants including 17 young people" in fiche["resultats_quantitatifs"]
    assert fiche["partenariats"].startswith("CAF (Family Allowance Fund)")
    assert fiche["difficultes"].startswith("- Lack of human and financial resources")
    assert fiche["solutions"].startswith("- Member of the CIITS 19")
    assert fiche["perspectives"].startswith("Research action over 2 years")
    assert fiche["facteurs_reussite"].count("- ") == 6
    # Rien n'est traduit ni inventé : pas de listes contrôlées pour ce rapport.
    assert fiche["dimension"] == "" and fiche["mots_cles"] == [] and fiche["publics"] == []


# --- 001 : centres sociaux parisiens ----------------------------------------------------


def test_centres_sociaux_de_la_page_lien_social(data):
    centres = [
        (s["nom"], s["arrondissement"])
        for s in data["structures"]
        if s["source"].startswith(DOCUMENTS[extraction.SOURCE_LIEN_SOCIAL])
    ]
    assert centres == [
        ("Paris des faubourgs", 10),
        ("Les Olympiades", 13),
        ("Porte de Vanves", 14),
        ("Danube", 19),
        ("La 20e Chaise", 20),  # « Les Amandiers (20e) » de la liste
        ("Archipelia", 20),
        ("Saint Blaise", 20),
    ]


def test_centres_parisiens_sans_adresse_inventee(data):
    for s in data["structures"]:
        if s["source"].startswith(DOCUMENTS[extraction.SOURCE_LIEN_SOCIAL]):
            assert s["type"] == "centre_social"
            assert (s["departement"], s["commune"], s["hors_paris"]) == ("Paris", "Paris", False)
            assert s["adresse"] == "" and s["code_postal"] == ""


def test_la_20e_chaise(structures):
    chaise = structures["centre-social-la-20e-chaise"]
    assert chaise["description"].startswith("Dans le quartier des Amandiers")
    assert "avril 2008" in chaise["description"]
    assert chaise["annee_creation"] is None  # réouverture, pas création


# --- 002 : fiches d'expérience ----------------------------------------------------------


def test_fiches_d_experience(data, structures, fiches):
    exp = [f for f in data["fiches"] if f["cle"].startswith("002-")]
    assert len(exp) == 10
    alj = structures[fiches["002-03"]["structure"]]
    assert alj["nom"] == "Association pour le logement des jeunes (Alj)"
    assert (alj["commune"], alj["departement"], alj["hors_paris"]) == (
        "La Courneuve",
        "Seine-Saint-Denis",
        True,
    )
    coursive = structures["la-coursive-boutaric"]
    assert (coursive["commune"], coursive["departement"], coursive["annee_creation"]) == (
        "Dijon",
        "Côte-d'Or",
        2010,
    )
    # Pas de commune dans la fiche : pas de département.
    assert structures["la-ressourcerie-2mains"]["departement"] == ""
    assert structures["femmes-actives"]["departement"] == ""
    # FIT est à Paris 3e d'après son texte.
    fit = structures["fit-une-femme-un-toit"]
    assert (fit["arrondissement"], fit["departement"], fit["hors_paris"]) == (3, "Paris", False)
    assert fiches["002-04"]["titre"].startswith("La Coursive Boutaric. Un pôle")
    assert fiches["002-04"]["resume"].startswith("L’association et pôle de coopération")


# --- 004 : formulaire de l'observatoire -------------------------------------------------


def test_fete_de_quartier_terminee(fiches, structures):
    fiche = fiches["004-02"]
    assert fiche["titre"] == "Fête de quartier/animation de proximité"
    assert (fiche["statut"], fiche["motif_fin"]) == ("terminee", "Action annuelle")
    assert fiche["dimension"] == "citoyennete"
    assert fiche["mots_cles"] == ["intergenerationnel"]
    assert fiche["initiative"] == ["centre_social", "partenaires"]
    assert fiche["territoire"] == "un_quartier"
    assert fiche["publics"] == ["tous_publics"]
    assert fiche["partenaires"] == ["bailleur_social"]
    assert fiche["annee"] == 2018  # « 3 réunions mai-juin 2018 », seule année citée
    assert fiche["nb_benevoles"] == 20 and fiche["nb_salaries"] is None
    assert fiche["resultats_habitants"].split("\n")[-1] == "- Être acteur de son quartier"
    structure = structures[fiche["structure"]]
    assert structure["nom"] == "CENTRE SOCIAL ECLATE ANDRE MALRAUX"
    assert (structure["departement"], structure["type"]) == ("Yvelines", "centre_social")


def test_fiche_aux_nombreux_mots_cles_et_initiative_autre(fiches):
    fiche = fiches["004-03"]
    assert fiche["mots_cles"] == [
        "intergenerationnel", "parentalite", "solidarite", "vieillissement", "sante",
        "logement", "precarite", "integration", "mobilite_transport", "discriminations",
        "mixite_sociale",
    ]  # fmt: skip
    assert fiche["initiative"] == ["habitants", "autre"]
    assert fiche["initiative_precision"].startswith("L'initiative vient du groupe habitants")
    assert fiche["publics"] == ["familles"]


def test_champs_vides_restent_vides(fiches):
    premiere = fiches["004-01"]
    assert premiere["resume"] == "" and premiere["mots_cles"] == []
    assert premiere["personnes_mobilisees"] == "15 Salariés 100 Benevole"
    assert (premiere["nb_salaries"], premiere["nb_benevoles"]) == (15, 100)
    derniere = fiches["004-25"]
    assert derniere["dimension"] == "" and derniere["territoire"] == ""
    assert derniere["publics"] == [] and derniere["description"] == ""
    assert derniere["mots_cles"] == ["mixite_sociale"]
    terrasses = fiches["004-11"]
    assert (terrasses["statut"], terrasses["motif_fin"]) == ("terminee", "")


def test_nom_de_structure_avec_tiret(structures, fiches):
    assert fiches["004-05"]["structure"] == "centre-social-montreuil-vauban"
    vauban = structures["centre-social-montreuil-vauban"]
    assert (vauban["nom"], vauban["departement"]) == (
        "CENTRE SOCIAL MONTREUIL - VAUBAN",
        "Yvelines",
    )
    jean_ferrat = structures["maison-pour-tous-jean-ferrat-centre-social"]
    assert jean_ferrat["departement"] == "Val-de-Marne"
    assert jean_ferrat["type"] == "centre_social"


def test_puces_seules_recollees(fiches):
    assert fiches["004-05"]["resume"].split("\n") == [
        "- Temps fort annuel finalisant l’année des ateliers identifiés par les habitants",
        "- Evènement permettant une action avec une réelle mixité et une intergénérationnalité "
        "du public sans limite de capacité d’accueil",
    ]


@pytest.mark.parametrize(
    ("nom", "attendu"),
    [
        ("CENTRE SOCIAL LES RÉSÉDAS", "centre_social"),
        ("Maison pour Tous Jean FERRAT - Centre social", "centre_social"),
        ("Centre socioculturel des Tilleuls", "centre_social"),
        ("CS Les Lilas", "centre_social"),
        ("ASSOCIATION MOSAIQUE", "association"),
        ("MAISON DE QUARTIER CHANTIERS", "association"),
        ("M J C CLAUDE NOUGARO", "association"),
        ("CSAPA du Val", "association"),
    ],
)
def test_type_de_structure_004(nom, attendu):
    assert extraction.type_structure_004(nom) == attendu


def test_structures_004_hors_paris(data):
    types = {}
    for s in data["structures"]:
        if s["source"].startswith(DOCUMENTS[extraction.SOURCE_OBSERVATOIRE]):
            assert s["hors_paris"] is True and s["arrondissement"] is None
            types[s["type"]] = types.get(s["type"], 0) + 1
    assert types == {"centre_social": 12, "association": 8}


def test_annees_004(fiches):
    annees = {cle: f["annee"] for cle, f in fiches.items() if cle.startswith("004-")}
    assert {cle: a for cle, a in annees.items() if a is not None} == {
        "004-02": 2018,
        "004-04": 2015,
        "004-10": 2018,
        "004-11": 2018,
        "004-12": 2018,
        "004-14": 2018,  # « Horizons 2000 » et « 2000€ » ne sont pas des années
        "004-20": 2017,
        "004-24": 2018,
    }


def test_annees_citees():
    assert extraction.annees_citees("CAF des Vosges (2000€), association horizons 2000") == []
    assert extraction.annees_citees("la Commune 2000 euros ; en 2018.") == ["2018"]
    assert extraction.annees_citees("thème 2017/2018, 1 500,00 €") == ["2017", "2018"]


def test_nombres_mobilises_sur_la_meme_ligne(fiches):
    # « partenaires institutionnels 23\nbénévoles 20 » : 20 bénévoles, pas 23.
    assert fiches["004-17"]["nb_benevoles"] == 20
    assert fiches["004-10"]["nb_salaries"] == 2  # « deux salaries »
    assert (fiches["004-22"]["nb_salaries"], fiches["004-22"]["nb_benevoles"]) == (8, 35)
    assert fiches["004-04"]["nb_salaries"] is None  # « 7 professionnels » non comptés


# --- listes contrôlées -------------------------------------------------------------------


def test_toutes_les_valeurs_brutes_ont_un_code():
    brutes = extraction.valeurs_brutes_004(SEEDS)
    assert brutes["DIMENSIONS"] == ["Accompagnement de projets", "Citoyenneté", "Services"]
    assert "Viellissement" in brutes["MOTS_CLES"] and "Emploi, économie" in brutes["MOTS_CLES"]
    assert brutes["PARTENAIRES_TYPES"] == ["Bailleur social"]
    for nom, valeurs in brutes.items():
        for valeur in valeurs:
            code = listes.code_for(getattr(listes, nom), valeur)
            assert code in dict(getattr(listes, nom))


def test_code_for():
    assert listes.code_for(listes.MOTS_CLES, "Viellissement") == "vieillissement"
    assert listes.code_for(listes.MOTS_CLES, "éducation / scolarité") == "education_scolarite"
    assert listes.code_for(listes.MOTS_CLES, " Mixité\u00a0sociale ") == "mixite_sociale"
    assert listes.code_for(listes.INITIATIVES, "Un ou plusieurs partenaire(s)") == "partenaires"
    assert listes.code_for(listes.INITIATIVES, "Un groupe d'habitants") == "habitants"
    assert listes.code_for("PUBLICS", "familles") == "familles"
    assert listes.code_for(listes.TERRITOIRES, "Plusieurs communes") == "plusieurs_communes"
    for liste, brut in [
        (listes.MOTS_CLES, "Sport"),
        (listes.MOTS_CLES, "Citoyennete"),
        (listes.DIMENSIONS, ""),
        (listes.PUBLICS, "Enfants"),
        ("INCONNUE", "x"),
    ]:
        with pytest.raises(ValueError):
            listes.code_for(liste, brut)


def test_listes_bien_formees():
    for nom, liste in listes.LISTES.items():
        codes = [code for code, _ in liste]
        assert len(set(codes)) == len(codes), nom
        for code, libelle in liste:
            assert code.isascii() and code == code.lower() and " " not in code
            assert libelle[0].isupper(), libelle
    assert listes.libelles(listes.PUBLICS, ["tous_publics", "xx"]) == ["Tous publics", "xx"]
    # Les libellés du GUIDE §2.3 sont présents.
    assert dict(listes.DIMENSIONS)["solidarite"] == "Solidarité"
    assert dict(listes.MOTS_CLES)["vacances_loisirs"] == "Vacances / loisirs"


def test_codes_des_fiches_dans_les_listes(data):
    for f in data["fiches"]:
        assert f["dimension"] in {"", *dict(listes.DIMENSIONS)}
        assert f["territoire"] in {"", *dict(listes.TERRITOIRES)}
        assert set(f["mots_cles"]) <= set(dict(listes.MOTS_CLES))
        assert set(f["initiative"]) <= set(dict(listes.INITIATIVES))
        assert set(f["publics"]) <= set(dict(listes.PUBLICS))
        assert set(f["partenaires"]) <= set(dict(listes.PARTENAIRES_TYPES))
        assert f["statut"] in ("en_cours", "terminee")
        assert len(f["titre"]) <= 255 and len(f["source"]) <= 255
        assert len(f["initiative_precision"]) <= 255


# --- erreurs et écriture -----------------------------------------------------------------


def test_valeur_inconnue_leve(tmp_path):
    for seed in SEEDS.iterdir():
        shutil.copy(seed, tmp_path / seed.name)
    chemin = tmp_path / extraction.SOURCE_OBSERVATOIRE
    texte = chemin.read_text(encoding="utf-8")
    chemin.write_text(texte.replace("- Viellissement\n", "- Vieillesse\n", 1), encoding="utf-8")
    with pytest.raises(ValueError, match="Vieillesse"):
        extraction.extract(tmp_path)


def test_fiche_manquante_leve(tmp_path):
    for seed in SEEDS.iterdir():
        shutil.copy(seed, tmp_path / seed.name)
    chemin = tmp_path / extraction.SOURCE_OBSERVATOIRE
    texte = chemin.read_text(encoding="utf-8")
    coupe = texte.rindex("\nActions\n")
    chemin.write_text(texte[:coupe] + "\n", encoding="utf-8")
    with pytest.raises(ExtractionError, match="24 fiches"):
        extraction.extract(tmp_path)


def test_variable_d_environnement(monkeypatch, tmp_path):
    monkeypatch.setenv(extraction.SEEDS_ENV_VAR, str(tmp_path))
    with pytest.raises(FileNotFoundError):
        extraction.extract()


def test_write_all(tmp_path):
    (tmp_path / "referentiel").mkdir()
    (tmp_path / "referentiel" / "quartiers.json").write_text(
        json.dumps([{"slug": "amandiers", "nom": "Amandiers"}]), encoding="utf-8"
    )
    assert extraction.write_all(tmp_path, SEEDS) == {"structures": 38, "fiches": 36}
    attendu = extraction.extract(SEEDS, tmp_path / "referentiel" / "quartiers.json")
    for nom in ("structures", "fiches"):
        texte = (tmp_path / "structures" / f"{nom}.json").read_text(encoding="utf-8")
        assert texte == json.dumps(attendu[nom], ensure_ascii=False, indent=2) + "\n"
    texte = (tmp_path / "structures" / "structures.json").read_text(encoding="utf-8")
    assert "Jaurès" in texte  # ensure_ascii=False
    assert '"amandiers"' in texte  # QPV relus dans <out_dir>/referentiel/


def test_fichiers_versionnes_a_jour(data):
    base = Path(extraction.DEFAULT_OUT_DIR) / "structures"
    if not (base / "fiches.json").exists():
        pytest.skip("fichiers pas encore générés")
    assert json.loads((base / "structures.json").read_text(encoding="utf-8")) == data["structures"]
    assert json.loads((base / "fiches.json").read_text(encoding="utf-8")) == data["fiches"]


def test_quartiers_relies_seulement_quand_la_source_nomme_le_qpv(tmp_path):
    quartiers = tmp_path / "quartiers.json"
    quartiers.write_text(
        json.dumps([{"slug": "amandiers", "nom": "Amandiers"}, {"slug": "x", "nom": "Danube"}]),
        encoding="utf-8",
    )
    data = extraction.extract(SEEDS, quartiers)
    relies = {s["slug"]: s["quartiers"] for s in data["structures"] if s["quartiers"]}
    assert relies == {"centre-social-la-20e-chaise": ["amandiers"]}
    assert all(f["quartiers"] == [] for f in data["fiches"])
    sans = extraction.extract(SEEDS, tmp_path / "absent.json")
    assert all(s["quartiers"] == [] for s in sans["structures"])
    quartiers.write_text(json.dumps([{"slug": "x", "nom": "Danube"}]), encoding="utf-8")
    with pytest.raises(ExtractionError, match="Amandiers"):
        extraction.extract(SEEDS, quartiers)
