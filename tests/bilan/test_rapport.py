"""Le rapport imprimable : la page HTML (mêmes chiffres que le classeur, tableaux à côté des
graphiques SVG) et le PDF rendu par WeasyPrint, dont on extrait le texte avec pypdf."""

import io
import re
from decimal import Decimal

import pytest
from django.utils.html import escape
from pypdf import PdfReader

from bilan import graphiques
from bilan.donnees import calculer_bilan
from bilan.rapport import rendre_pdf
from engagements.models import Engagement
from indicateurs.models import Indicateur
from quartiers.models import Quartier
from tests.conftest import client_pour
from tests.travaux.outils import telecharger

from .conftest import ANNEE, valeur

pytestmark = pytest.mark.django_db


def texte_pdf(contenu):
    lecteur = PdfReader(io.BytesIO(contenu))
    texte = "\n".join(page.extract_text() or "" for page in lecteur.pages)
    # Espaces fines et insécables (milliers, « % », « € ») : une espace simple.
    return re.sub(r"[\u202f\xa0 ]+", " ", texte), len(lecteur.pages)


def aplatir(texte):
    return re.sub(r"\s+", " ", texte)


def test_pdf_paris_contient_engagements_et_chiffres(client, utilisateurs, donnees):
    # Un travail de fond : lancé par le bouton de la page du PDF, téléchargé depuis la sienne.
    client = client_pour(client, utilisateurs["spv"])
    reponse = telecharger(client, "/bilan/rapport.pdf", {"annee": ANNEE})
    assert reponse["Content-Type"] == "application/pdf"
    assert 'filename="bilan-2025.pdf"' in reponse["Content-Disposition"]
    texte, pages = texte_pdf(reponse.contenu)
    plat = aplatir(texte)
    assert pages > 10
    assert "Bilan annuel 2025" in plat
    assert "Comité de pilotage parisien" in plat
    assert "Sommaire" in plat
    for e in Engagement.objects.filter(numero__in=[1, 16, 30]):
        assert f"Engagement {e.numero} :" in plat
    assert aplatir(Engagement.objects.get(numero=1).titre)[:40] in plat
    # Crédits : 120 000 € de droit commun, 80 000,50 € spécifiques, 200 000,50 € au total ; 2024 :
    # 80 000 € de droit commun.
    assert "200 000,50 €" in plat
    assert "120 000,00 €" in plat
    assert "80 000,50 €" in plat
    assert "+120 000,50 € (+150 %)" in plat
    # Indicateur E01-1 : 21 % (2024 : 20 %), +1 pt ; Paris 17 %, écart +4 pts.
    assert "E01-1" in plat and "21 %" in plat and "+1 pt" in plat and "+4 pts" in plat
    # Études qualitatives et fiches.
    assert "Parole des parents de Stalingrad Riquet" in plat
    assert "Évaluation parisienne du FPH" in plat
    assert "Résultats des études qualitatives" in plat
    # Les valeurs de démonstration sont exclues par défaut.
    assert "Démonstration :" not in plat


def test_pdf_arrondissement_ne_garde_que_ses_qpv(donnees):
    bilan = calculer_bilan(ANNEE, arrondissement=donnees["arr19"], auteur="Test")
    texte, _ = texte_pdf(rendre_pdf(bilan))
    plat = aplatir(texte)
    assert "Comité de pilotage du 19e arrondissement" in plat
    for q in Quartier.objects.filter(arrondissements__numero=19):
        assert aplatir(q.nom) in plat
    for q in Quartier.objects.exclude(arrondissements__numero=19):
        assert aplatir(q.nom) not in plat, q.nom
    assert "150 000,50 €" in plat  # Stalingrad Riquet (100 000 €) + 19e (50 000,50 €)
    assert "Fête de quartier" not in plat


def test_page_html_du_rapport(client, utilisateurs, donnees):
    reponse = client_pour(client, utilisateurs["spv"]).get(
        f"/bilan/rapport/?annee={ANNEE}&avec_demo=on"
    )
    assert reponse.status_code == 200
    html = reponse.content.decode()
    assert "<svg" in html and 'role="img"' in html
    # Chaque graphique a son tableau ; les valeurs de démonstration sont signalées.
    assert 'id="chiffres-cles"' in html and 'id="credits-par-type"' in html
    assert "Démonstration :" in html and " <small>démo</small>" in html
    assert "@media print" in html and "size: A4" in html
    bilan = reponse.context["bilan"]
    assert bilan.credits_total.n_texte.replace("\u202f", " ").replace("\xa0", " ") == (
        "200 000,50 €"
    )
    assert "Télécharger le rapport PDF" in html


def test_comparaison_sans_annee_precedente(donnees):
    bilan = calculer_bilan(ANNEE)
    types = {c.libelle: c for c in bilan.credits_par_type}
    specifique = types["dont spécifique politique de la ville"]
    assert specifique.n1 == 0 and specifique.evolution_texte.startswith("+80")
    # Aucune donnée 2023 : le bilan 2024 ne compare à rien (« — »), il n'invente pas 0 €.
    precedent = calculer_bilan(ANNEE - 1)
    assert precedent.credits_total.n1 is None
    assert precedent.credits_total.n1_texte == "—"
    assert precedent.credits_total.evolution_texte == "—"


def test_rapport_borne_les_tableaux_par_qpv(client, utilisateurs, donnees, monkeypatch):
    """Au-delà de QPV_MONTRES_MAX quartiers (un périmètre national), les tableaux par QPV du
    rapport ne montrent que les premiers et le disent ; le classeur les garde tous. À Paris
    (21 QPV, sous la limite réelle), tous les QPV sont montrés."""
    from bilan import rapport

    url = f"/bilan/rapport/?annee={ANNEE}&avec_demo=on"
    tous = client_pour(client, utilisateurs["spv"]).get(url).content.decode()
    nombre = Quartier.objects.count()
    assert nombre > 3
    assert "premiers QPV sur" not in tous

    def lignes(html, identifiant):
        tableau = html.split(f'id="{identifiant}"', 1)[1].split("</table>", 1)[0]
        return tableau.split("<tbody>", 1)[1].split("</tbody>", 1)[0].count("<tr")

    assert lignes(tous, "fiches-par-qpv") == nombre

    monkeypatch.setattr(rapport, "QPV_MONTRES_MAX", 3)
    borne = client_pour(client, utilisateurs["spv"]).get(url).content.decode()
    assert f"les 3 premiers QPV sur {nombre}, tous dans le classeur" in borne
    assert lignes(borne, "fiches-par-qpv") == 3
    assert lignes(borne, "projets-par-qpv") == 3
    assert lignes(borne, "credits-par-lieu") <= 3
    premiers = {q.nom for q in Quartier.objects.order_by("ordre", "nom")[:3]}
    chiffres = borne.split('id="chiffres-quartiers"', 1)[1].split("</table>", 1)[0]
    noms = set(re.findall(r'<th scope="row">([^<]+)</th>', chiffres))
    assert noms and noms <= premiers
    assert len(borne) < len(tous)


def test_graphiques_attributs_communs_une_fois():
    """Police, taille et couleur communes des textes sont posées une fois sur le <svg> (héritage
    SVG, suivi par WeasyPrint) : un rapport d'arrondissement a plus d'un millier de textes, qui
    les répétaient chacun."""
    series = [
        ("QPV du périmètre 2025", graphiques.BLEU, [Decimal("21"), None, Decimal("40.5")]),
        ("Paris 2025", graphiques.ORANGE, [Decimal("17"), Decimal("30"), None]),
    ]
    for svg in (
        graphiques.barres_horizontales("Titre", ["E01-1", "E01-2", "E01-3"], series, "pourcentage"),
        graphiques.barres("Titre", ["En cours", "Terminées", "Abandonnées"], series),
    ):
        assert svg.count("font-family=") == 1
        assert re.search(r"<svg [^>]*font-family=", svg)
        assert not re.search(r"<text [^>]*(font-family|font-size|fill)=", svg)
        assert svg.count(">—</text>") == 2  # les valeurs absentes restent dites


def test_graphique_barres_horizontales_une_ligne_par_serie_choisie():
    """`series_par_ligne` : la valeur de Paris, la même pour tous les QPV d'un indicateur, a sa
    ligne propre au lieu d'une barre répétée sous chaque QPV."""
    svg = graphiques.barres_horizontales(
        "Titre",
        ["E01-1 · Stalingrad", "E01-1 · Danube", "E01-1 · Paris"],
        [
            ("QPV", graphiques.BLEU, [Decimal("30"), Decimal("40"), None]),
            ("Paris", graphiques.ORANGE, [None, None, Decimal("17")]),
        ],
        "pourcentage",
        series_par_ligne=[(0,), (0,), (1,)],
    )
    assert svg.count("17 %") == 1 and "30 %" in svg and "40 %" in svg
    assert ">—</text>" not in svg  # une série absente d'une ligne n'y trace rien


def test_rapport_arrondissement_un_libelle_par_indicateur(client, utilisateurs, donnees):
    """Rapport d'un arrondissement : dans le tableau d'un engagement, les lignes des QPV d'un
    indicateur forment un groupe ; son libellé et la valeur de Paris ne s'écrivent qu'une fois
    (cellules fusionnées, en-têtes associés), chaque QPV garde sa ligne et toutes ses valeurs."""
    autre = (
        Quartier.objects.filter(arrondissements__numero=19)
        .exclude(nom__icontains="Stalingrad")
        .order_by("nom")
        .first()
    )
    valeur("E01-1", f"qpv-{autre.slug}", ANNEE, valeur=Decimal("40"), demo=True)
    html = (
        client_pour(client, utilisateurs["spv"])
        .get(f"/bilan/rapport/?annee={ANNEE}&arrondissement=19&avec_demo=on")
        .content.decode()
    )
    tableau = html.split('id="engagement-1"', 1)[1].split("</table>", 1)[0]
    libelle = escape(Indicateur.objects.get(code="E01-1").libelle)
    assert tableau.count(libelle[:60]) == 1
    assert '<th scope="rowgroup" rowspan="2" id="ind-E01-1">' in tableau
    stalingrad = Quartier.objects.get(nom__icontains="Stalingrad")
    for quartier, texte in ((stalingrad, "30 %"), (autre, "40 %")):
        assert re.search(rf'<th scope="row">{re.escape(escape(quartier.nom))}<td>{texte}', tableau)
    assert "40 % <small>démo</small>" in tableau  # la valeur de démonstration
    # Paris (17 %) : une cellule pour le groupe, qui nomme ses en-têtes (colonne, indicateur).
    assert tableau.count("17 %") == 1
    assert re.search(r'<td rowspan="2" headers="paris-e1 ind-E01-1">17 %', tableau)
    assert 'id="paris-e1"' in tableau
    # Les deux écarts à Paris, un par ligne.
    assert "+13\xa0pts" in tableau and "+23\xa0pts" in tableau


def test_rapport_ne_detaille_que_les_qpv_montres(donnees, monkeypatch):
    """Le rapport (page et PDF) ne détaille que les QPV qu'il montre (chiffres clés, comptes
    des fiches et des projets par QPV) : à l'échelle nationale, lire les chiffres clés des
    1 600 QPV pour en montrer 25 coûtait 0,8 s. Le classeur (`calculer_bilan`) les détaille
    tous ; les chiffres des QPV montrés et les totaux sont les mêmes."""
    from bilan import rapport

    complet = calculer_bilan(ANNEE, avec_demo=True)
    premiers = list(Quartier.objects.order_by("ordre", "nom")[:3])
    autres = [c for c in complet.chiffres_quartiers if c.quartier not in premiers]
    assert any(c.valeur is not None for c in autres)  # sinon la borne ne se verrait pas

    monkeypatch.setattr(rapport, "QPV_MONTRES_MAX", 3)
    borne = rapport.calculer_rapport(annee=ANNEE, avec_demo=True)
    assert {c.quartier for c in borne.chiffres_quartiers} == set(premiers)

    def cles(bilan):
        return {
            (c.quartier.pk, c.indicateur.pk): tuple(
                v.affichage if v else None for v in (c.valeur, c.precedente, c.paris)
            )
            for c in bilan.chiffres_quartiers
            if c.quartier in premiers
        }

    assert cles(borne) and cles(borne) == cles(complet)

    def par_qpv(bilan):
        fiches = {q.pk: (dict(c), t.n, t.n1) for q, c, t in bilan.fiches_par_quartier}
        projets = {s.quartier.pk: (s.comptes, s.total) for s in bilan.statuts_projets}
        return fiches, projets

    fiches, projets = par_qpv(borne)
    assert list(fiches) == list(projets) == [q.pk for q in premiers]
    fiches_complet, projets_complet = par_qpv(complet)
    assert fiches == {pk: fiches_complet[pk] for pk in fiches}
    assert projets == {pk: projets_complet[pk] for pk in projets}
    # Les totaux restent ceux de tout le périmètre, QPV non détaillés compris.
    assert sum(t for _, t in projets.values()) < sum(borne.statuts_projets_totaux.values())
    assert borne.statuts_projets_totaux == complet.statuts_projets_totaux
    assert [c.n for c in borne.fiches_par_statut] == [c.n for c in complet.fiches_par_statut]
    # Crédits par lieu : les QPV montrés, puis les arrondissements et Paris, tous gardés.
    lieux = {c.libelle: (c.n, c.n1) for c in borne.credits_par_lieu}
    lieux_complet = {c.libelle: (c.n, c.n1) for c in complet.credits_par_lieu}
    noms_qpv = {q.nom for q in Quartier.objects.all()}
    assert lieux == {
        nom: montants
        for nom, montants in lieux_complet.items()
        if nom not in noms_qpv or nom in {q.nom for q in premiers}
    }
    assert len(lieux) < len(lieux_complet)
    # Territoires : Paris, l'ensemble des QPV et les QPV montrés, pas les 2 364 nationaux ;
    # la table longue (tous les territoires) reste celle du classeur.
    assert {(t.type, t.quartier_id) for t in borne.territoires} == {
        ("paris", None),
        ("ensemble_qpv", None),
        *(("qpv", q.pk) for q in premiers),
    }
    assert len(complet.territoires) > len(borne.territoires)
    with pytest.raises(ValueError):
        list(borne.lignes_valeurs)
    # Les arrondissements (colonne du classeur) : préchargés pour les QPV des chiffres clés.
    precharges = [hasattr(q, "_prefetched_objects_cache") for q in borne.quartiers]
    assert precharges == [True] * 3 + [False] * (len(borne.quartiers) - 3)


def test_annexe_motifs_de_deduction_en_notes(client, utilisateurs, donnees):
    """Annexe A : le motif d'une déduction est écrit une fois, en note numérotée sous le
    tableau ; chaque chiffre déduit y renvoie par un lien (les motifs parisiens, longs,
    étaient répétés à chaque chiffre, en infobulle et pour les lecteurs d'écran)."""
    from bilan.rapport import contexte_rapport

    bilan = calculer_bilan(ANNEE, avec_demo=True)
    notes = contexte_rapport(bilan)["notes_chiffres"]
    deduites = [
        v
        for c in bilan.chiffres_quartiers
        if c.valeur
        for v in (c.valeur, c.precedente, c.paris)
        if v is not None and v.deduite and v.motif_deduction
    ]
    assert deduites and len(notes) < len(deduites)  # des motifs partagés
    html = client_pour(client, utilisateurs["spv"]).get(
        f"/bilan/rapport/?annee={ANNEE}&avec_demo=on"
    )
    annexe = html.content.decode().split('id="annexe-quartiers"', 1)[1].split("annexe-credits")[0]
    corps = annexe.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    for motif, numero in notes.items():
        assert annexe.count(f'<li id="note-deduction-{numero}" value="{numero}">') == 1
        assert f'value="{numero}">{escape(motif)}</li>' in annexe
        assert escape(motif) not in corps
    liens = re.findall(r'<a href="#note-deduction-(\d+)">note \1</a>', annexe)
    assert len(liens) == len(deduites)
    assert {int(n) for n in liens} == set(notes.values())
    assert 'title="' not in corps
