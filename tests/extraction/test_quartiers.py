"""Extraction des QPV (fiches quartiers) du contrat de ville : pytest pur, sans Django ni base.

Les nombres attendus ont été comptés à la main dans
``../shared/seeds/003_0caa590cf9e8a81b.txt``.
"""

import json

import pytest

from fixtures.extraction import quartiers
from fixtures.extraction.quartiers import STATUTS, extract, extract_decret, normalise_statut


@pytest.fixture(scope="module")
def lines():
    return quartiers.read_lines()


@pytest.fixture(scope="module")
def data(lines):
    return extract(lines)


@pytest.fixture(scope="module")
def by_slug(data):
    return {q["slug"]: q for q in data}


@pytest.fixture(scope="module")
def parts(data):
    """Every QPV and every sector (all the places that hold key figures and projets)."""
    found = {}
    for q in data:
        found[q["slug"]] = q
        for s in q["secteurs"]:
            found[s["slug"]] = s
    return found


def _projet(part, nom):
    (projet,) = [p for p in part["projets"] if p["nom"] == nom]
    return projet


def _chiffre(part, libelle):
    (chiffre,) = [c for c in part["chiffres_cles"] if c["libelle"] == libelle]
    return chiffre


# --------------------------------------------------------------------------- decree table


def test_decree_table_has_21_qpv_summing_to_total(lines):
    decret = extract_decret(lines)
    assert len(decret) == 21
    assert sum(q["population"] for q in decret) == 121_800
    first = decret[0]
    assert first == {"nom": "Grand Belleville", "arrondissements": [11, 20], "population": 12_100}


def test_21_qpv_in_fiche_order_with_decree_facts(data, by_slug):
    assert len(data) == 21
    assert [q["ordre"] for q in data] == list(range(1, 22))
    assert data[0]["slug"] == "petit-belleville"
    assert data[-1]["slug"] == "les-portes-du-vingtieme"
    assert sum(q["population"] for q in data) == 121_800
    assert by_slug["grand-belleville"]["arrondissements"] == [11, 20]
    assert by_slug["porte-de-la-chapelle-charles-hermite"]["arrondissements"] == [18, 19]
    assert by_slug["porte-de-la-chapelle-charles-hermite"]["population"] == 4_800
    assert sorted({a for q in data for a in q["arrondissements"]}) == [
        10,
        11,
        13,
        14,
        15,
        17,
        18,
        19,
        20,
    ]
    for q in data:
        assert q["population_source"] == quartiers.POPULATION_SOURCE_DECRET


def test_fiche_names_mapped_to_decree_names(by_slug):
    assert by_slug["bedier-boutroux-villa-deste"]["nom"] == "Bédier - Boutroux - Villa d'Este"
    assert by_slug["bedier-boutroux-villa-deste"]["nom_fiche"] == (
        "Quartier prioritaire Bédier-Boutroux - Villa d’Este du 13e arrondissement"
    )
    assert by_slug["kellermann-paul-bourget"]["nom"] == "Kellermann - Paul Bourget"
    assert by_slug["les-portes-du-vingtieme"]["nom_fiche"] == (
        "Quartier prioritaire des Portes du 20e arrondissement"
    )
    pouchet = by_slug["porte-de-saint-ouen-porte-pouchet"]
    assert pouchet["nom_fiche"].startswith(
        "Quartier prioritaire Porte Pouchet - Porte de Saint-Ouen"
    )
    assert by_slug["goutte-dor"]["nom"] == "Goutte d’Or"


def test_slugs_are_stable_ascii_and_unique(data, parts):
    assert {
        "grand-belleville",
        "goutte-dor",
        "les-portes-du-vingtieme",
        "petit-belleville",
        "bedier-boutroux-villa-deste",
        "porte-de-la-chapelle-charles-hermite",
    } <= {q["slug"] for q in data}
    assert len(parts) == 21 + 2 + 1 + 5
    for slug in parts:
        assert slug.isascii()
        assert slug == slug.lower()


def test_unmatched_fiche_raises(lines):
    altered = [
        line.replace("Quartier prioritaire Algérie", "Quartier prioritaire Algéria")
        for line in lines
    ]
    with pytest.raises(ValueError, match="Fiche sans correspondance"):
        extract(altered)


def test_unmatched_decree_qpv_raises(lines):
    altered = [line.replace("\tAlgérie", "\tAlgéria") for line in lines]
    with pytest.raises(ValueError):
        extract(altered)


# --------------------------------------------------------------------------- sectors


def test_sectors_per_qpv(by_slug):
    counts = {slug: len(q["secteurs"]) for slug, q in by_slug.items() if q["secteurs"]}
    assert counts == {
        "grand-belleville": 2,
        "porte-de-la-chapelle-charles-hermite": 1,
        "les-portes-du-vingtieme": 5,
    }


def test_grand_belleville_sectors_hold_everything(by_slug):
    gb = by_slug["grand-belleville"]
    assert gb["population"] == 12_100
    assert gb["chiffres_cles"] == [] and gb["projets"] == [] and gb["description"] == ""
    s11, s20 = gb["secteurs"]
    assert (s11["slug"], s11["nom"], s11["type"], s11["ordre"]) == (
        "grand-belleville-11e",
        "Le Grand Belleville 11e",
        "secteur",
        1,
    )
    assert (s20["slug"], s20["type"], s20["ordre"]) == ("grand-belleville-20e", "secteur", 2)
    assert s11["population"] == 3_800
    assert s20["population"] == 8_300
    assert s11["population_source"] == quartiers.POPULATION_SOURCE_FICHE


def test_emile_bollaert_attached_to_porte_de_la_chapelle(by_slug):
    (bollaert,) = by_slug["porte-de-la-chapelle-charles-hermite"]["secteurs"]
    assert bollaert["slug"] == "emile-bollaert"
    assert bollaert["nom"] == "Emile Bollaert"
    assert bollaert["type"] == "micro_quartier"
    assert bollaert["population"] == 1_657
    assert len(bollaert["chiffres_cles"]) == 6
    assert len(bollaert["projets"]) == 9
    assert bollaert["description"].startswith("Le quartier Emile Bollaert, jouxte le 18e")
    chaufourniers = by_slug["chaufourniers"]
    assert chaufourniers["secteurs"] == []
    assert "Emile" not in chaufourniers["description"]
    assert all("Emile" not in p["nom"] for p in chaufourniers["projets"])


def test_portes_du_vingtieme_micro_quartiers(by_slug):
    portes = by_slug["les-portes-du-vingtieme"]
    assert [(s["nom"], s["type"]) for s in portes["secteurs"]] == [
        ("Fougères Le Vau", "micro_quartier"),
        ("Felix-Terrier - Porte de Montreuil nord", "micro_quartier"),
        ("Python-Duvernois", "micro_quartier"),
        ("Saint-Blaise", "micro_quartier"),
        ("Tour du Pin - Porte de Montreuil sud", "micro_quartier"),
    ]
    assert [len(s["projets"]) for s in portes["secteurs"]] == [9, 12, 11, 11, 5]
    # The micro-quartiers have no key figures: no population is invented for them.
    assert all(s["population"] is None and s["chiffres_cles"] == [] for s in portes["secteurs"])
    assert portes["projets"] == []
    assert len(portes["chiffres_cles"]) == 7
    assert _chiffre(portes, "Nombre d’habitants")["valeur"] == 21_000
    assert portes["description"].startswith(
        "Le quartier prioritaire des Portes du 20e se compose de 5 micro-quartiers :"
    )


# --------------------------------------------------------------------------- projets


@pytest.mark.parametrize(
    ("slug", "expected"),
    [
        ("petit-belleville", 10),
        ("grand-belleville-11e", 13),
        ("grand-belleville-20e", 21),
        ("amandiers", 18),
        ("kellermann-paul-bourget", 10),
        ("porte-brancion-perichaux", 21),
        ("porte-de-saint-ouen-porte-pouchet", 26),
        ("la-chapelle-evangile", 17),
        ("chaufourniers", 9),
        ("danube-solidarite-marseillaise", 11),
    ],
)
def test_projets_count(parts, slug, expected):
    part = parts[slug]
    assert len(part["projets"]) == expected
    assert [p["ordre"] for p in part["projets"]] == list(range(1, expected + 1))


def test_total_projets_and_key_figures(parts):
    assert sum(len(p["projets"]) for p in parts.values()) == 350
    assert sum(len(p["chiffres_cles"]) for p in parts.values()) == 158


def test_petit_belleville_maison_france_services(parts):
    projet = _projet(parts["petit-belleville"], "Nouvelle Maison France services")
    assert projet["adresse"] == "73 boulevard de Belleville, 75011 Paris"
    assert projet["cartographiable"] is True
    assert projet["statut"] == "a_venir"
    assert projet["statut_brut"] == "A venir"


def test_embellir_row_without_status_does_not_shift_next_row(parts):
    pb = parts["petit-belleville"]
    embellir = _projet(pb, "Démarche Embellir votre quartier")
    assert embellir["adresse"] == "Place Buisson-Saint-Louis et rue Saint-Maur"
    assert (embellir["statut"], embellir["statut_brut"]) == ("non_renseigne", "")
    following = pb["projets"][embellir["ordre"]]
    assert following["nom"] == "Pérenniser un lieu d’accueil inconditionnel des jeunes"
    assert following["adresse"] == (
        "CPA Grange-aux-Belles (6 rue Boy Zelenski)\nAires 10 (4 rue Louis Bonnet, 75011)"
    )
    assert following["statut"] == "existant"


def test_address_and_status_printed_in_one_cell(parts):
    danube = parts["danube-solidarite-marseillaise"]
    projet = _projet(danube, "Démarche d’extension de la Cité éducative Paris 19 Ouest")
    assert projet["adresse"] == "A définir"
    assert projet["cartographiable"] is False
    assert (projet["statut"], projet["statut_brut"]) == ("en_reflexion", "Projet en réflexion")
    following = danube["projets"][projet["ordre"]]
    assert following["adresse"] == "135 boulevard Sérurier"


def test_stray_double_tab_line_is_ignored(parts):
    projet = _projet(parts["la-chapelle-evangile"], "Eclaireurs de quartier Chapelle International")
    assert projet["descriptif"].startswith("Renforcement et pérennisation")
    assert projet["adresse"] == "Lab’Chapelle 9 allée Léon Bronchart"
    assert projet["statut"] == "existant"


def test_cells_continued_on_untabbed_lines(parts):
    projet = _projet(parts["grand-belleville-11e"], "Embellir votre quartier Belleville saint Maur")
    assert (projet["statut"], projet["statut_brut"]) == ("a_venir", "A venir")
    projet = _projet(
        parts["la-chapelle-evangile"],
        "Des nouveaux équipements de proximité (centre social, école, crèche, tiers lieu)",
    )
    assert projet["descriptif"].endswith("\n· Une crèche,\n· Un tiers-lieu")
    assert projet["adresse"] == "Chapelle Charbon\nQuartier Hébert"
    projet = _projet(parts["fougeres-le-vau"], "Conciergerie sénior")
    assert (projet["statut"], projet["statut_brut"]) == ("existant_et_a_venir", "A venir\nExistant")


@pytest.mark.parametrize(
    ("slug", "nom", "adresse", "cartographiable"),
    [
        (
            "petit-belleville",
            "Dispositif Réussite éducative pour tous les enfants en difficulté",
            "Non cartographiable",
            False,
        ),
        ("petit-belleville", "Nouvelle Maison de santé", "", False),
        (
            "grand-belleville-11e",
            "Dispositif Aller Vers l’Emploi dans les Quartiers (AVEQ)",
            "A définir",
            False,
        ),
        (
            "felix-terrier-porte-de-montreuil-nord",
            "Régie de quartier",
            "(non cartographiable)",
            False,
        ),
        (
            "python-duvernois",
            "Création d’espaces associatifs",
            "Quartier Python-Duvernois (à définir)",
            False,
        ),
        (
            "goutte-dor",
            "Nouvelle ressource à destination des parents d’ados",
            "Secteur Faubourgs",
            True,
        ),
        (
            "amandiers",
            "Ressources santé ouvertes sur le quartier",
            "CAPP Panoyaux\nMaison de Santé Ménilmontant\nParis Santé Réussite Panoyaux",
            True,
        ),
    ],
)
def test_cartographiable(parts, slug, nom, adresse, cartographiable):
    projet = _projet(parts[slug], nom)
    assert projet["adresse"] == adresse
    assert projet["cartographiable"] is cartographiable


# --------------------------------------------------------------------------- statuses

RAW_STATUTS = {
    "Existant": "existant",
    " Existant ": "existant",
    "A venir": "a_venir",
    "A  venir": "a_venir",
    "A Venir": "a_venir",
    "À venir": "a_venir",
    "à venir": "a_venir",
    "Avenir": "a_venir",
    "/ A venir": "a_venir",
    "En réflexion": "en_reflexion",
    "Projet en réflexion": "en_reflexion",
    "Existant et à venir": "existant_et_a_venir",
    "Existant /A venir": "existant_et_a_venir",
    "Existant (Petite ceinture) et à venir": "existant_et_a_venir",
    "A venir\nExistant": "existant_et_a_venir",
    "Existant et En réflexion": "existant_et_a_venir",
    "En cours": "en_cours",
    "Réalisé": "realise",
    "": "non_renseigne",
    "\u00a0": "non_renseigne",
}


@pytest.mark.parametrize(("raw", "code"), RAW_STATUTS.items())
def test_normalise_statut(raw, code):
    assert normalise_statut(raw) == code


@pytest.mark.parametrize("raw", ["Terminé", "Bientôt", "Existant ou à venir", "A définir"])
def test_unknown_statut_raises(raw):
    with pytest.raises(ValueError, match="Statut de projet inconnu"):
        normalise_statut(raw)


def test_statut_labels():
    assert STATUTS == {
        "existant": "Existant",
        "a_venir": "À venir",
        "existant_et_a_venir": "Existant et à venir",
        "en_reflexion": "En réflexion",
        "en_cours": "En cours",
        "realise": "Réalisé",
        "non_renseigne": "Non renseigné",
    }


def test_every_raw_status_of_the_text_is_known(parts):
    seen = {(p["statut_brut"], p["statut"]) for part in parts.values() for p in part["projets"]}
    assert {raw for raw, _ in seen} == {
        "",
        "A Venir",
        "A venir",
        "A venir\nExistant",
        "Avenir",
        "En cours",
        "En réflexion",
        "Existant",
        "Existant (Petite ceinture) et à venir",
        "Existant /A venir",
        "Existant et En réflexion",
        "Existant et à venir",
        "Projet en réflexion",
        "Réalisé",
        "À venir",
        "à venir",
    }
    for raw, code in seen:
        assert code in STATUTS
        assert RAW_STATUTS[raw] == code


def test_unknown_status_in_text_raises(lines):
    index = next(i for i, line in enumerate(lines) if line.startswith("\tRéalisé"))
    altered = [*lines[:index], "\tTerminé", *lines[index + 1 :]]
    with pytest.raises(ValueError, match="Statut de projet inconnu"):
        extract(altered)


# --------------------------------------------------------------------------- key figures


def test_key_figure_with_paris_comparison(parts):
    chomage = _chiffre(parts["petit-belleville"], "Taux de chômage")
    assert chomage == {
        "ordre": 3,
        "libelle": "Taux de chômage",
        "qualificatif": "",
        "texte": "16 % (contre 11 % à Paris)",
        "valeur": 16.0,
        "unite": "%",
        "valeur_paris": 11.0,
        "source": "Insee, recensement de la population 2020 (données au périmètre statistique "
        "des IRIS, traitement Apur) — cité par : Contrat de ville parisien 2024-2030, fiches "
        "quartiers, chiffres clés (note 17)",
        "annee": 2020,
        "reserve_perimetre": "",
        # Issue 12 : la note cite deux sources sans dire laquelle sert à quel chiffre.
        "deduite": True,
        "motif_deduction": quartiers.MOTIF_SOURCE,
        "parties": [],
    }
    # « (27 % à Paris) » without « contre »
    jeunes = _chiffre(parts["grand-belleville-11e"], "Part de jeunes de moins de 25 ans")
    assert (jeunes["valeur"], jeunes["valeur_paris"]) == (27.0, 27.0)


def test_key_figure_qualifier(parts):
    pauvrete = _chiffre(parts["petit-belleville"], "Taux de pauvreté")
    assert pauvrete["qualificatif"] == "Grand Belleville 10e 11e 20e"
    assert (pauvrete["valeur"], pauvrete["valeur_paris"]) == (30.0, None)
    assert pauvrete["annee"] == 2019
    assert "FiLoSoFi" in pauvrete["source"]
    assert pauvrete["reserve_perimetre"] == "chiffre du Grand Belleville (10e, 11e, 20e)"


def test_key_figure_with_two_values(parts):
    pauvrete = _chiffre(parts["bedier-boutroux-villa-deste"], "Taux de pauvreté")
    assert pauvrete["valeur"] is None
    assert pauvrete["texte"] == "32 % à Bédier Boutroux et 36 % à Villa d’Este"
    assert pauvrete["qualificatif"] == "32 % à Bédier Boutroux et 36 % à Villa d’Este"
    assert pauvrete["unite"] == "%"
    # Issue 12 : une valeur par partie nommée, rien d'autre.
    assert pauvrete["parties"] == [
        {"slug": "bedier-boutroux", "nom": "Bédier Boutroux", "valeur": 32.0},
        {"slug": "villa-deste", "nom": "Villa d’Este", "valeur": 36.0},
    ]


def test_key_figures_outside_a_micro_quartier_are_marked_inferred(parts):
    """Porte de la Chapelle – Charles Hermite : 3 200 habitants dans la fiche, 4 800 au décret,
    1 657 à Emile Bollaert, qui a ses propres chiffres : réserve déduite, jamais affirmée."""
    for chiffre in parts["porte-de-la-chapelle-charles-hermite"]["chiffres_cles"]:
        assert chiffre["reserve_perimetre"] == "hors micro-quartier Emile Bollaert"
        assert chiffre["deduite"] is True
        assert "le texte ne dit pas" in chiffre["motif_deduction"]
    for chiffre in parts["emile-bollaert"]["chiffres_cles"]:
        assert chiffre["reserve_perimetre"] == ""


def test_population_key_figures(parts):
    habitants = _chiffre(parts["petit-belleville"], "Nombre d’habitants")
    assert (habitants["valeur"], habitants["unite"], habitants["texte"]) == (
        1200,
        "habitants",
        "1200 habitants",
    )
    assert habitants["annee"] == 2019
    michelet = _chiffre(parts["michelet-alphonse-karr-rue-de-nantes"], "Nombre d’habitants")
    assert (michelet["valeur"], michelet["texte"]) == (12_100, "12 100")


def test_key_figures_sources(parts):
    for part in parts.values():
        for chiffre in part["chiffres_cles"]:
            filosofi = chiffre["libelle"] in {"Nombre d’habitants", "Taux de pauvreté"}
            assert chiffre["annee"] == (2019 if filosofi else 2020)
            assert ("FiLoSoFi" in chiffre["source"]) is filosofi


def test_key_figures_without_poverty_rate(parts):
    assert len(parts["porte-brancion-perichaux"]["chiffres_cles"]) == 6
    assert len(parts["falguiere"]["chiffres_cles"]) == 6


# --------------------------------------------------------------------------- descriptions


def test_description_subheadings(parts):
    description = parts["petit-belleville"]["description"]
    assert description.startswith("Le quartier Buisson-Saint-Louis est situé")
    assert (
        "\n\n### La nécessité de maintenir des services et ressources locales adaptés aux familles"
        " les plus fragiles\n\nLa gentrification grandissante" in description
    )
    assert "### Un tissu associatif dynamique et émergeant à structurer" in description
    falguiere = parts["falguiere"]["description"]
    assert falguiere.startswith("### Un quartier résidentiel en restructuration\n\nSitué")


def test_description_plain_paragraphs_are_not_headings(parts):
    bedier = parts["bedier-boutroux-villa-deste"]["description"]
    # A long paragraph printed without its final full stop stays a paragraph.
    assert "\n\nAvec presque 19 % d’habitantes et habitants ayant plus de 65 ans" in bedier
    assert "### Avec presque" not in bedier
    portes = parts["les-portes-du-vingtieme"]["description"]
    assert "###" not in portes
    assert "\n\n· Fougères Le Vau\n\n" in portes
    for part in parts.values():
        assert "Descriptif du quartier" not in part["description"]
        assert "Description du quartier" not in part["description"]
        assert "Chiffres" not in part["description"]
        assert "projets structurants" not in part["description"].lower()
        for paragraph in part["description"].split("\n\n"):
            if paragraph.startswith("### "):
                assert len(paragraph) <= 124
                assert not paragraph.endswith(".")


# --------------------------------------------------------------------------- output


def test_texts_are_whitespace_normalised(data):
    dumped = json.dumps(data, ensure_ascii=False)
    assert "\u00a0" not in dumped
    assert "\u202f" not in dumped
    assert "\\t" not in dumped
    assert "[bookmark" not in dumped
    assert "  " not in dumped


def test_key_order_matches_schema(data):
    assert list(data[0]) == [
        "slug",
        "nom",
        "nom_fiche",
        "arrondissements",
        "ordre",
        "population",
        "population_source",
        "description",
        "chiffres_cles",
        "projets",
        "secteurs",
    ]
    assert list(data[1]["secteurs"][0]) == [
        "slug",
        "nom",
        "type",
        "ordre",
        "population",
        "population_source",
        "description",
        "chiffres_cles",
        "projets",
    ]
    assert list(data[0]["projets"][0]) == [
        "ordre",
        "nom",
        "descriptif",
        "adresse",
        "cartographiable",
        "statut",
        "statut_brut",
    ]
    assert list(data[0]["chiffres_cles"][0]) == [
        "ordre",
        "libelle",
        "qualificatif",
        "texte",
        "valeur",
        "unite",
        "valeur_paris",
        "source",
        "annee",
        "reserve_perimetre",
        "deduite",
        "motif_deduction",
        "parties",
    ]


def test_write_all(tmp_path, data):
    quartiers.write_all(tmp_path)
    written = (tmp_path / "referentiel" / "quartiers.json").read_text(encoding="utf-8")
    assert written == json.dumps(data, ensure_ascii=False, indent=2) + "\n"
