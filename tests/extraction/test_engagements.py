"""Extraction des engagements du contrat de ville (`fixtures/extraction/engagements.py`).

Tests sans base de données ni Django : ils lisent la semence `003_…txt` et comparent à des
valeurs relevées à la main dans le texte.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from fixtures.extraction import engagements as mod
from fixtures.extraction.common import (
    ExtractionError,
    clean,
    dump_json,
    parse_number_fr,
    read_contrat_lines,
    slugify,
    strip_bookmarks,
)

REFERENTIEL_DIR = Path(mod.__file__).resolve().parents[1] / "referentiel"


@pytest.fixture(scope="module")
def lines() -> list[str]:
    return read_contrat_lines()


@pytest.fixture(scope="module")
def data(lines) -> dict:
    return mod.extract(lines)


@pytest.fixture(scope="module")
def engagements(data) -> dict[int, dict]:
    return {e["numero"]: e for e in data["engagements"]}


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _edited(lines: list[str], marker: str, new: str | None = None, after: str | None = None):
    """Copie de `lines` où la première ligne contenant `marker` est remplacée par `new`
    (supprimée si `new` vaut None), ou suivie de la ligne `after`."""
    index = next(i for i, line in enumerate(lines) if marker in line)
    copy = list(lines)
    if after is not None:
        copy.insert(index + 1, after)
    elif new is None:
        del copy[index]
    else:
        copy[index] = new
    return copy


# --------------------------------------------------------------------------- helpers


def test_common_helpers():
    assert parse_number_fr("12\u00a0100") == 12100
    assert parse_number_fr("121 800") == 121800
    assert parse_number_fr("5,7") == 5.7
    assert parse_number_fr("30\u202f%") == 30
    with pytest.raises(ValueError):
        parse_number_fr("douze")
    assert strip_bookmarks("[bookmark: _Toc166839008]ENGAGEMENT 2") == "ENGAGEMENT 2"
    assert (
        clean(" [bookmark: _Toc1]ENGAGEMENT 2\u00a0: Développer  \t") == "ENGAGEMENT 2 : Développer"
    )
    assert clean("a\u00a0 b\n  c ") == "a b\nc"
    # Comme django.utils.text.slugify.
    assert slugify("Goutte D'Or") == "goutte-dor"
    assert slugify("Bédier - Boutroux - Villa d’Este") == "bedier-boutroux-villa-deste"
    assert slugify("  Porte de La Chapelle\u00a0- Charles Hermite ") == (
        "porte-de-la-chapelle-charles-hermite"
    )


def test_no_conversion_artefacts_left(data):
    for text in _strings(data):
        assert "\u00a0" not in text and "\u202f" not in text and "\t" not in text
        assert "[bookmark" not in text and "footnoteRef" not in text
        assert text == text.strip()
        assert "  " not in text


def test_files_on_disk_are_up_to_date(data):
    for name in mod.REFERENTIEL_FILES:
        path = REFERENTIEL_DIR / f"{name}.json"
        assert path.read_text(encoding="utf-8") == dump_json(data[name]), name


# ------------------------------------------------------------------------ thématiques


def test_thematiques(data):
    thematiques = data["thematiques"]
    assert [t["numero"] for t in thematiques] == list(range(1, 9))
    assert {t["numero"]: t["titre"] for t in thematiques if t["titre"]} == {
        2: "Se former, travailler ou entreprendre",
        # Imprimé avec U+2018 (‘) : l’extraction le corrige en apostrophe typographique (’).
        7: "S\u2019épanouir dans mon quartier, à Paris et au-delà",
        8: "Participer à la vie de mon quartier et de ma ville",
    }
    assert [t["engagements"] for t in thematiques] == [
        [1, 2, 3, 4, 5, 6],
        [7, 8, 9, 10],
        [11, 12, 13, 14, 15],
        [16, 17],
        [18, 19, 20, 21, 22],
        [23, 24, 25],
        [26, 27, 28],
        [29, 30],
    ]


def test_toc_bookmarks_refuse_another_grouping(lines, monkeypatch):
    wrong = {**mod.THEMATIQUE_ENGAGEMENTS, 3: (11, 12, 13, 14, 15, 16), 4: (17,)}
    monkeypatch.setattr(mod, "THEMATIQUE_ENGAGEMENTS", wrong)
    with pytest.raises(ExtractionError, match="_Toc"):
        mod.extract(lines)


# ------------------------------------------------------------------------ engagements


def test_engagement_headings(engagements):
    assert sorted(engagements) == list(range(1, 31))
    assert engagements[1]["titre"] == (
        "Faire de l’école un service public au cœur du quartier, à l’image de la diversité "
        "sociale de ses habitantes et habitants"
    )
    # « ENGAGEMENT 2\u00a0: » après un signet.
    assert engagements[2]["titre"].startswith("Développer des ressources dans le quartier")
    # Titre sur la ligne qui suit un signet seul (eng. 8) ; espace insécable final (eng. 13).
    assert engagements[8]["titre"] == (
        "Créer les conditions pour que les habitantes et habitants accèdent à un emploi stable"
    )
    assert engagements[13]["titre"].endswith("rendre au quotidien le quartier propre et agréable")
    assert engagements[26]["thematique"] == 7 and engagements[25]["thematique"] == 6


def test_problematiques_and_parole(engagements):
    e1 = engagements[1]
    assert e1["problematiques"].startswith("L’évitement du public vers le privé est très fort")
    assert e1["problematiques"].count("\n\n") == 1
    assert e1["parole_habitant"] == (
        "« Dans les quartiers, les établissements accueillent peu de mixité sociale. Ils "
        "réunissent les enfants des familles les plus modestes. »"
    )
    assert e1["parole_source"] == "Conférence citoyenne, juin-juillet 2023"
    # Ligne vide entre la citation et sa source (eng. 29).
    assert engagements[29]["parole_source"] == (
        "Extrait de l’avis de la Conférence citoyenne, juin-juillet 2023"
    )
    # Appel de note réduit à « [14] », corps de la note gardé.
    assert "Une récente étude[14] estime" in engagements[19]["problematiques"]
    assert "[14: CREDOC-CREAD mettre lien]" in engagements[19]["problematiques"]
    for e in engagements.values():
        assert e["parole_habitant"].startswith("«")
        assert e["parole_source"]


def test_axes(engagements):
    assert sum(len(e["axes"]) for e in engagements.values()) == 84
    assert engagements[1]["axes"][0] == {
        "libelle": "Valoriser",
        "texte": "Encourager les dynamiques qui permettent de travailler la mixité sociale et "
        "scolaire ainsi que les initiatives de parents et partenaires qui se mobilisent "
        "contre l’évitement scolaire",
    }
    assert engagements[16]["axes"][1]["libelle"] == "Relayer/ Améliorer"
    assert engagements[22]["axes"][0]["libelle"] == "Aller-vers"
    # Axes imprimés sans mot-clé.
    without = {n for n, e in engagements.items() for a in e["axes"] if not a["libelle"]}
    assert without == {11, 14, 15, 25}
    assert engagements[25]["axes"][2] == {
        "libelle": "",
        "texte": "Concrétiser le droit à l’alimentation durable pour toutes et tous",
    }


ACTIONS_PAR_ENGAGEMENT = {
    1: 12, 2: 12, 3: 9, 4: 11, 5: 11, 6: 11, 7: 11, 8: 12, 9: 9, 10: 10,
    11: 4, 12: 7, 13: 12, 14: 9, 15: 4, 16: 11, 17: 15, 18: 10, 19: 6, 20: 8,
    21: 8, 22: 5, 23: 6, 24: 6, 25: 11, 26: 10, 27: 9, 28: 7, 29: 7, 30: 8,
}  # fmt: skip


def test_actions(engagements):
    assert {n: len(e["actions"]) for n, e in engagements.items()} == ACTIONS_PAR_ENGAGEMENT
    every = [a for e in engagements.values() for a in e["actions"]]
    assert len(every) == 271
    assert Counter(a["type"] for a in every) == {"consolider": 157, "developper": 114}
    for e in engagements.values():
        assert [a["ordre"] for a in e["actions"]] == list(range(1, len(e["actions"]) + 1))
        types = [a["type"] for a in e["actions"]]
        # Toutes les sections « à développer » sont présentes et suivent « à consolider ».
        assert types == sorted(types) and "developper" in types
    e1 = engagements[1]["actions"]
    assert [a["type"] for a in e1].count("consolider") == 5
    assert e1[6] == {
        "numero": "7",
        "ordre": 7,
        "type": "developper",
        "texte": "Développer la sécurisation du chemin maison-école et piétonniser les abords "
        "des écoles (« rues aux écoles »)",
    }
    # « ACTIONS NOUVELLES A DEVELOPPER » (eng. 12).
    assert [a["type"] for a in engagements[12]["actions"]].count("developper") == 3


def test_duplicated_action_number(engagements):
    numeros = {n: [a["numero"] for a in e["actions"]] for n, e in engagements.items()}
    duplicated = {n for n, values in numeros.items() if len(set(values)) != len(values)}
    assert duplicated == {16}
    assert numeros[16] == ["1", "2", "3", "4", "5", "5", "6", "7", "8", "9", "10"]
    fifth, sixth = engagements[16]["actions"][4:6]
    assert (fifth["type"], sixth["type"]) == ("consolider", "developper")
    assert fifth["texte"].startswith("Développer des actions de prévention et/ou de dépistage")
    assert sixth["texte"].startswith("Dresser un état des lieux précis de la démographie médicale")


def test_action_with_sub_bullets(engagements):
    texte = engagements[18]["actions"][3]["texte"]
    assert texte.startswith("Soutenir les actions spécifiques encourageant l’égalité")
    assert texte.split("\n")[1:] == [
        "· le développement de la mixité des métiers (dans les domaines du numérique, du "
        "bâtiment et de la sécurité par exemple),",
        "· la création d’activités ou d’entreprises par des femmes",
        "· des permanences d’accès aux droits des femmes (y compris itinérantes),",
        "· des actions de santé des femmes et de remobilisation par le sport comme outil "
        "d’émancipation",
        "· des actions de sensibilisations auprès des plus jeunes, en partenariat avec "
        "l’Education nationale",
    ]
    assert engagements[18]["actions"][4]["numero"] == "5"


# ---------------------------------------------------------------------------- acteurs


def test_acteurs_engagement_1(engagements):
    acteurs = engagements[1]["acteurs"]
    pilotes = [(a["nom"], a["signataire"]) for a in acteurs if a["groupe"] == "pilote"]
    assert pilotes == [
        ("Académie de Paris (DASEN, DOPS, DAFPIC)", "Académie de Paris"),
        ("Ville de Paris (DASCO)", "Ville de Paris"),
    ]
    partenaires = {a["nom"]: a["signataire"] for a in acteurs if a["groupe"] == "partenaire"}
    assert partenaires == {
        "Banque des territoires": "Banque des territoires",
        "préfecture d’Île-de-France": "Préfecture de Paris et d’Ile-de-France",
        "préfecture de Paris": "Préfecture de Paris et d’Ile-de-France",
        "SDJES": None,
        "préfecture de Police": "Préfecture de police",
        "DRAC": None,
        "Ville de Paris (DFPE, SPV, DJS, DAC)": "Ville de Paris",
        "GIP Réussite Éducative": None,
        "Caf": "Caisse d’Allocations Familiales",
    }
    lieux = [a for a in acteurs if a["groupe"] == "lieu_ressource"]
    assert [a["ordre"] for a in lieux] == [1, 2, 3, 4, 5, 6]
    assert lieux[-1]["nom"] == "Cités éducatives"


def test_acteurs_totals_and_links(data, engagements):
    acteurs = [a for e in engagements.values() for a in e["acteurs"]]
    assert len(acteurs) == 390
    assert Counter(a["groupe"] for a in acteurs) == {
        "partenaire": 190,
        "lieu_ressource": 122,
        "pilote": 78,
    }
    linked = [a["signataire"] for a in acteurs if a["signataire"]]
    assert len(linked) == 157
    noms = {s["nom"] for s in data["signataires"]}
    assert set(linked) <= noms
    assert Counter(linked)["Ville de Paris"] == 50
    # Pas de ligne « Lieux ressources » dans ces engagements.
    sans_lieux = {
        n
        for n, e in engagements.items()
        if all(a["groupe"] != "lieu_ressource" for a in e["acteurs"])
    }
    assert sans_lieux == {7, 8, 9, 11, 13, 14, 19}


@pytest.mark.parametrize(
    ("nom", "expected"),
    [
        ("Caf", "Caisse d’Allocations Familiales"),
        ("Caisse d’Allocations familiales (Caf)", "Caisse d’Allocations Familiales"),
        ("Académie de Paris (DASEN, DOPS, DAFPIC)", "Académie de Paris"),
        ("France travail", "France Travail"),
        ("Mission locale", "Mission Locale de Paris"),
        ("préfecture de Police", "Préfecture de police"),
        ("ARS", "Agence Régionale de Santé"),
        ("CPAM", "Caisse Primaire d’Assurance Maladie"),
        ("la Poste", "La Poste"),
        ("Paris Habitat", "Paris Habitat"),
        ("Préfecture (BPV)", "Préfecture de Paris et d’Ile-de-France"),
        ("CCIP", "Chambre de Commerce et d’Industrie de Paris"),
        ("bailleurs sociaux", None),
        ("DRIEETS", None),
        ("SDJES", None),
        ("DRAC", None),
        ("Point Paris Emploi (EPEC)", None),
        ("Ville (DDCT, DAE) / Préfecture", None),
        ("Ville de Paris (DDCT) et Préfecture (BPV)", None),
        ("Ville (DSOL, DLH CASVP) bailleurs sociaux", None),
    ],
)
def test_signataire_aliases(data, nom, expected):
    noms = [s["nom"] for s in data["signataires"]]
    assert mod.signataire_for(nom, noms) == expected


def test_acteurs_irregular_lines(engagements):
    # Liste close par un point (eng. 7) : « CCIP. ».
    assert [a["nom"] for a in engagements[7]["acteurs"] if a["groupe"] == "partenaire"] == ["CCIP"]
    # Virgule finale (eng. 28) : pas d'entrée vide.
    pilotes_28 = [a["nom"] for a in engagements[28]["acteurs"] if a["groupe"] == "pilote"]
    assert pilotes_28 == [
        "Caf",
        "préfecture d’Île-de-France",
        "préfecture de Paris (BPV)",
        "Ville de Paris (DSOL)",
    ]
    # Parenthèse jamais refermée (eng. 18) : l'entrée court jusqu'au bout de la ligne.
    partenaires_18 = [a for a in engagements[18]["acteurs"] if a["groupe"] == "partenaire"]
    assert len(partenaires_18) == 2
    assert partenaires_18[1]["nom"].endswith("(formation et accompagnement juridique), etc.")


# ----------------------------------------------------------------------- financements


def test_financements(engagements):
    assert sum(len(e["financements"]) for e in engagements.values()) == 87
    assert engagements[22]["financements"] == []
    assert engagements[1]["financements"] == [
        {
            "financeur": "etat",
            "libelle": "État",
            "ordre": 1,
            "texte": "Éducation Nationale, Appels à projets politique de la ville (BOP147)",
        },
        {
            "financeur": "ville",
            "libelle": "Ville de Paris",
            "ordre": 2,
            "texte": "Financements DASCO, Programme d’Investissement de la Mandature (PIM)",
        },
        {"financeur": "autre", "libelle": "Autre", "ordre": 3, "texte": "Banque des territoires"},
    ]
    region = engagements[10]["financements"][1]
    assert (region["financeur"], region["libelle"]) == ("autre", "Région")
    assert engagements[12]["financements"][1]["texte"].startswith("Caf : Aides de la Caf")
    assert [f["libelle"] for f in engagements[23]["financements"]] == [
        "État",
        "Ville",
        "Caf",
        "Autres",
    ]
    # Eng. 30 : financements en puces, sans financeur imprimé.
    thirty = engagements[30]["financements"]
    assert len(thirty) == 9
    assert {(f["financeur"], f["libelle"]) for f in thirty} == {("autre", "")}
    assert thirty[0]["texte"] == "Fonds de Participation des Habitants"


def test_plans(engagements):
    assert sum(len(e["plans"]) for e in engagements.values()) == 122
    assert {n for n, e in engagements.items() if not e["plans"]} == {14, 15, 26, 29, 30}
    assert (
        engagements[9]["plans"][0]
        == "Rapport de la mission promesse républicaine, 2021, Ville de Paris"
    )
    assert engagements[2]["plans"] == ["Projet Éducatif de Territoire (PEdT) 2021/26"]
    assert len(engagements[24]["plans"]) == 11


# ------------------------------------------------------------------------ indicateurs

INDICATEURS_PAR_ENGAGEMENT = {
    1: 5, 2: 3, 3: 3, 4: 4, 5: 4, 6: 3, 7: 2, 8: 3, 9: 4, 10: 4,
    11: 3, 12: 4, 13: 4, 14: 3, 15: 2, 16: 4, 17: 3, 18: 3, 19: 4, 20: 3,
    21: 3, 22: 0, 23: 4, 24: 3, 25: 3, 26: 4, 27: 4, 28: 4, 29: 3, 30: 4,
}  # fmt: skip


def test_indicateurs(data):
    indicateurs = data["indicateurs"]
    assert len(indicateurs) == 100  # plus que les 94 annoncés : toutes les puces sont gardées
    per = Counter(i["engagement"] for i in indicateurs)
    assert {n: per[n] for n in range(1, 31)} == INDICATEURS_PAR_ENGAGEMENT
    assert len({i["code"] for i in indicateurs}) == 100
    by_code = {i["code"]: i for i in indicateurs}
    assert by_code["E05-2"] == {
        "code": "E05-2",
        "engagement": 5,
        "ordre": 2,
        "libelle": "Part de familles monoparentales résidant en quartiers prioritaires ayant "
        "fréquenté des LEAP sur l'ensemble des familles",
        "unite": "part",
    }
    assert by_code["E01-1"]["libelle"].startswith("Part d’élèves parisiens des écoles")
    assert by_code["E30-4"]["libelle"].endswith("bénévoles dans les Volontaires de Paris")
    unites = {
        code: by_code[code]["unite"] for code in ("E01-2", "E01-4", "E05-4", "E11-3", "E12-1")
    }
    assert unites == {
        "E01-2": "autre",
        "E01-4": "nombre_part",
        "E05-4": "taux",
        "E11-3": "nombre_part",  # « Part et nombre »
        "E12-1": "nombre",  # « Nombres »
    }
    assert Counter(i["unite"] for i in indicateurs) == {
        "nombre": 46,
        "nombre_part": 36,
        "part": 10,
        "autre": 6,
        "taux": 2,
    }


def test_indicateurs_special_cases(data, engagements):
    assert not any(i["engagement"] == 22 for i in data["indicateurs"])
    flagged = {n for n, e in engagements.items() if e["indicateurs_en_cours_de_definition"]}
    assert flagged == {5}
    codes_5 = [i["code"] for i in data["indicateurs"] if i["engagement"] == 5]
    assert codes_5 == ["E05-1", "E05-2", "E05-3", "E05-4"]


# ------------------------------------------------------- signataires, sigles, contrat


def test_signataires(data, lines):
    signataires = data["signataires"]
    assert len(signataires) == 39
    assert Counter(s["type"] for s in signataires) == {"institution": 16, "bailleur": 23}
    assert [s["ordre"] for s in signataires] == list(range(1, 40))
    assert signataires[0] == {"nom": "Ville de Paris", "type": "institution", "ordre": 1}
    assert signataires[15]["nom"] == "La Poste"
    assert signataires[16] == {"nom": "1001 Vies Habitat", "type": "bailleur", "ordre": 17}
    assert signataires[-1]["nom"] == "Toit et Joie"
    noms = [s["nom"] for s in signataires]
    assert "Antin résidences groupe Arcade" in noms  # tabulation finale retirée
    assert not any(n.startswith("Bailleurs sociaux") for n in noms)
    # Un seul doublon dans le texte : « CDC Habitat Social », gardé à sa première place.
    start = next(i for i, line in enumerate(lines) if "Liste des signataires" in line)
    end = next(i for i, line in enumerate(lines) if line.endswith("Glossaire"))
    printed = [clean(line)[1:].strip() for line in lines[start + 1 : end] if clean(line)]
    assert len(printed) == 41  # 39 + « Bailleurs sociaux : » + le doublon
    assert Counter(printed)["CDC Habitat Social"] == 2
    assert noms.count("CDC Habitat Social") == 1
    assert noms.index("CDC Habitat Social") < noms.index("Coallia")


def test_sigles(data):
    sigles = data["sigles"]
    assert len(sigles) == 108
    assert sigles[0] == {"sigle": "AAP", "definition": "Appel à projets"}
    assert sigles[-1] == {
        "sigle": "TZND",
        "definition": "Territoires zéro non-recours aux droits sociaux",
    }
    by = {s["sigle"]: s["definition"] for s in sigles}
    assert by["NEET"] == (
        "Not in Education, Employment or Training (Ni en Etude, ni en Emploi, ni en Formation)"
    )
    assert by["GIP RE"] == "Groupement d’Intérêt Public pour la Réussite Éducative"
    assert by["REP+"] == 'Réseaux d\'éducation prioritaire "plus"'
    assert "CTg" in by and "Caf" in by and "Afev" in by  # casse imprimée gardée
    assert not any("SYNTHESE" in s["sigle"] or "Part (en%)" in s["sigle"] for s in sigles)


def test_contrat(data):
    assert data["contrat"] == {
        "indicateurs_annonces": 94,
        "nombre_qpv": 21,
        "population_qpv": 121800,
        "arrondissements": [10, 11, 13, 14, 15, 17, 18, 19, 20],
        "decret": "décret n° 2023-1314 du 28 décembre 2023 modifiant la liste des quartiers "
        "prioritaires de la politique de la ville dans les départements métropolitains",
    }


# -------------------------------------------------------------- structure inattendue


def test_unknown_heading_raises(lines):
    edited = _edited(lines, "LES PLANS ET STRATÉGIES", after="LES MOYENS HUMAINS MOBILISÉS")
    with pytest.raises(ExtractionError, match="titre inconnu"):
        mod.extract(edited)


def test_unknown_acteur_line_raises(lines):
    edited = _edited(lines, "Pilotes : Académie de Paris", new="Pilote principal : Académie")
    with pytest.raises(ExtractionError, match="acteurs illisible"):
        mod.extract(edited)


def test_unknown_financeur_raises(lines):
    edited = _edited(lines, "Autre\u00a0: Banque des territoires", new="Europe : FSE")
    with pytest.raises(ExtractionError, match="financement illisible"):
        mod.extract(edited)


def test_non_bullet_indicator_raises(lines):
    edited = _edited(lines, "· Nombre de rixes", new="Nombre de rixes (sans puce)")
    with pytest.raises(ExtractionError, match="puce attendue"):
        mod.extract(edited)


def test_action_numbering_gap_raises(lines):
    edited = _edited(lines, "3. Développer les événements autour de la lecture", new="")
    with pytest.raises(ExtractionError, match="action 4 après l'action 2"):
        mod.extract(edited)


def test_missing_engagement_raises(lines):
    edited = _edited(lines, "ENGAGEMENT 3", new="Engagement trois")
    with pytest.raises(ExtractionError):
        mod.extract(edited)


def test_section_out_of_order_raises(lines):
    edited = _edited(
        lines, "LES FINANCEMENTS MOBILISABLES", after="PAROLE D’HABITANTE ET D’HABITANT"
    )
    with pytest.raises(ExtractionError, match="section parole inattendue"):
        mod.extract(edited)


def test_json_round_trip(data):
    assert json.loads(dump_json(data)) == data
