"""Un FilterSet par liste, le même pour la page, l'API et les exports (issue 10, point 3).

Les listes de l'API sont lues dans le routeur (`contratville.urls_api.routeur`), pas dans une
liste tenue à la main : une ressource ajoutée est vérifiée d'office, et ce fichier échoue tant
qu'on n'a pas dit quelle est sa page (ou qu'elle n'en a pas). Pour chaque liste :

- un paramètre inconnu donne 400 `parametre_inconnu` en le nommant (une faute de frappe ne
  rend pas toute la liste) ; une valeur invalide, 400 `donnees_invalides`, jamais 500 ;
- chaque filtre de son FilterSet, avec une valeur prise dans les données, donne les mêmes
  lignes dans l'API (toutes les pages), dans son export tableur, sur sa page et dans l'export
  de sa page ; la page utilise la classe même de l'API."""

import datetime
import io
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import django_filters
import pytest
from django.test import RequestFactory
from django.utils import timezone
from openpyxl import load_workbook

from contratville.urls_api import routeur
from engagements.models import Action, Engagement, Signataire
from indicateurs.models import Campagne, Valeur
from quartiers.models import ProjetStructurant, Quartier
from socle import filtres as briques
from socle.api.vues import VueLectureAPI, appliquer_visibilite
from structures.models import FicheAction, PortageProjet, Structure
from tests.api.conftest import client_api, creer_valeur, produit_par, verifier_erreur

pytestmark = pytest.mark.django_db

LISTES = {
    prefixe: viewset
    for prefixe, viewset, _ in routeur.registry
    if issubclass(viewset, VueLectureAPI)
}


@dataclass
class Page:
    """La page HTML d'une liste de l'API : son adresse, les clés des lignes qu'elle montre
    (toutes pages confondues) et, s'il y en a un, son export tableur avec la clé d'une ligne
    exportée et la même clé lue dans le JSON de l'API."""

    url: str
    lignes: Callable
    export: str | None = None
    cle_export: Callable | None = None
    cle_api_export: Callable | None = None


def _paginees(contexte):
    return contexte["page"].paginator.object_list


# Préfixe de l'API → sa page (None : la liste n'a pas de page de liste dans le portail).
PAGES = {
    "thematiques": None,  # elles titrent la page des engagements
    "engagements": Page(
        "/engagements/", lambda c: [e.numero for _, items in c["groupes"] for e in items]
    ),
    "signataires": None,
    "sigles": Page("/glossaire/", lambda c: [s.sigle for _, items in c["lettres"] for s in items]),
    "quartiers": Page("/quartiers/", lambda c: [q.slug for q in c["quartiers"]]),
    "projets": Page(
        "/quartiers/projets/",
        lambda c: [p.pk for p in _paginees(c)],
        export="/quartiers/projets/export.xlsx",
        cle_export=lambda ligne: (ligne["Projet"], ligne["Quartier prioritaire"]),
        cle_api_export=lambda p: (p["nom"], p["quartier"]["nom"]),
    ),
    "indicateurs": Page(
        "/indicateurs/",
        lambda c: [i.code for i in _paginees(c)] + [i.code for i in c["contexte"]],
    ),
    "territoires": None,
    "campagnes": Page("/indicateurs/campagnes/", lambda c: [x.annee for x in c["campagnes"]]),
    "valeurs": Page(
        "/indicateurs/valeurs/",
        lambda c: [v.pk for v in _paginees(c)],
        export="/indicateurs/valeurs/export.xlsx",
        cle_export=lambda ligne: (
            ligne["Code indicateur"],
            ligne["Code territoire"],
            int(ligne["Année"]),
        ),
        cle_api_export=lambda v: (v["indicateur"], v["territoire"], v["annee"]),
    ),
    "structures": Page("/structures/", lambda c: [s.slug for s in _paginees(c)]),
    "fiches-actions": Page(
        "/structures/fiches/",
        lambda c: [f.pk for f in _paginees(c)],
        export="/structures/fiches/export.xlsx",
        cle_export=lambda ligne: int(ligne["N°"]),
        cle_api_export=lambda f: f["id"],
    ),
}


def test_chaque_liste_de_l_api_a_sa_page_declaree():
    assert set(LISTES) == set(PAGES), "déclarer la page (ou None) de chaque liste dans PAGES"
    for prefixe, viewset in LISTES.items():
        assert viewset.filterset_class is not None, prefixe


# --- données ----------------------------------------------------------------------------------


@pytest.fixture
def jeu(utilisateurs):
    """De quoi donner à chaque filtre une valeur qui retient des lignes : campagnes passée,
    ouverte et à venir, valeurs de plusieurs statuts (dont une de démonstration), projets
    portés avec leurs engagements, une fiche rattachée à une action numérotée."""
    jour = timezone.localdate()
    Campagne.objects.create(
        annee=2023,
        date_ouverture=jour - datetime.timedelta(days=400),
        date_cloture=jour - datetime.timedelta(days=300),
    )
    Campagne.objects.create(
        annee=2025,
        date_ouverture=jour - datetime.timedelta(days=10),
        date_cloture=jour + datetime.timedelta(days=30),
    )
    Campagne.objects.create(
        annee=2027,
        date_ouverture=jour + datetime.timedelta(days=300),
        date_cloture=jour + datetime.timedelta(days=400),
    )
    caf = Signataire.objects.get(nom__icontains="allocations familiales")
    ind = produit_par("E28-2", caf)
    creer_valeur(ind, "qpv-goutte-dor", annee=2025, statut=Valeur.Statut.VALIDE)
    creer_valeur(ind, "paris", annee=2025, statut=Valeur.Statut.SOUMIS)
    creer_valeur(ind, "qpv-algerie", annee=2024)
    creer_valeur(
        ind, "ensemble-qpv", annee=2024, statut=Valeur.Statut.VALIDE, demo=True, origine="demo"
    )
    for slug, numeros in (("goutte-dor", [1, 16]), ("amandiers", [1]), ("algerie", [29])):
        projet = ProjetStructurant.objects.filter(quartier__slug=slug).order_by("ordre").first()
        projet.annee_echeance = 2027
        projet.save()
        portage = PortageProjet.objects.create(projet=projet, porteur_signataire=caf)
        portage.engagements.set(Engagement.objects.filter(numero__in=numeros))
    fiche = FicheAction.objects.filter(structure__slug="j2p").order_by("pk").first()
    fiche.actions.add(Action.objects.filter(engagement__numero=5).order_by("ordre").first())
    fiche.engagements.add(Engagement.objects.get(numero=5))
    fiche.quartiers.add(Quartier.objects.get(slug="goutte-dor"))
    Quartier.objects.filter(slug="goutte-dor").update(code_qpv="QN07501M")
    return utilisateurs["spv"]


# --- paramètres inconnus et valeurs invalides -------------------------------------------------


@pytest.mark.parametrize("prefixe", sorted(LISTES))
def test_parametre_inconnu_refuse_en_le_nommant(utilisateurs, prefixe):
    client = client_api(utilisateurs["spv"])
    url = f"/api/v1/{prefixe}/"
    corps = verifier_erreur(client.get(url, {"nimporte": "1"}), 400, "parametre_inconnu")
    assert set(corps["erreurs"]) == {"nimporte"}
    assert "« nimporte »" in corps["detail"]
    # Même demandé en tableur : l'erreur est en JSON.
    corps = verifier_erreur(
        client.get(url, {"format": "csv", "nimporte": "1"}), 400, "parametre_inconnu"
    )
    # Une faute de frappe sur un vrai filtre : la clé voulue est proposée.
    nom = next(iter(LISTES[prefixe].filterset_class.base_filters))
    faute = nom[:-1] + "x" + nom[-1] if len(nom) > 1 else nom + "x"
    corps = verifier_erreur(client.get(url, {faute: "1"}), 400, "parametre_inconnu")
    assert f"« {nom} »" in corps["erreurs"][faute][0]


@pytest.mark.parametrize("prefixe", sorted(LISTES))
def test_parametres_documentes_acceptes(utilisateurs, prefixe):
    """Chaque filtre (vide : pas de filtre), la pagination, la recherche et le format."""
    filtres = dict.fromkeys(LISTES[prefixe].filterset_class.base_filters, "")
    pagination = {"cursor": ""} if prefixe in ("valeurs", "fiches-actions") else {"page": "1"}
    parametres = {**filtres, **pagination, "page_size": "5", "search": "", "format": "json"}
    reponse = client_api(utilisateurs["spv"]).get(f"/api/v1/{prefixe}/", parametres)
    assert reponse.status_code == 200, reponse.content[:300]


def valeurs_invalides(filtre):
    """Des valeurs qu'un filtre doit refuser, selon son type. Un type de filtre inconnu fait
    échouer le test : tout filtre d'une liste doit être strict (socle/filtres.py)."""
    if isinstance(filtre, briques.FiltreParNumero):
        return ["abc", "2.5", "1e400", "99999999999999999999", "-1"]
    if isinstance(
        filtre, (briques.FiltreParIdentifiant, briques.FiltreParCode, briques.FiltreParSlug)
    ):
        return ["a\x00b", "x" * (briques.LONGUEUR_MAX_TEXTE + 1)]
    if isinstance(filtre, briques.FiltreEntier):
        return ["abc", "2.5", "1e400", "99999999999999999999", "-3"]
    if isinstance(filtre, briques.FiltreOuiNon):
        return ["peut-etre", "2"]
    if isinstance(filtre, briques.FiltreTexte):
        return ["x" * (briques.LONGUEUR_MAX_TEXTE + 1), "a\x00b"]
    if isinstance(filtre, django_filters.ChoiceFilter) and not isinstance(
        filtre, django_filters.ModelChoiceFilter
    ):
        return ["nimporte"]
    raise AssertionError(f"filtre {type(filtre).__name__} : utiliser une brique de socle/filtres")


@pytest.mark.parametrize("prefixe", sorted(LISTES))
def test_valeurs_invalides_400_jamais_500(utilisateurs, prefixe):
    client = client_api(utilisateurs["spv"])
    for nom, filtre in LISTES[prefixe].filterset_class.base_filters.items():
        for valeur in valeurs_invalides(filtre):
            reponse = client.get(f"/api/v1/{prefixe}/", {nom: valeur})
            corps = verifier_erreur(reponse, 400, "donnees_invalides")
            assert set(corps["erreurs"]) == {nom}, (nom, valeur, corps)
            assert f"« {nom} »" in corps["detail"]


def cles_inconnues(filtre):
    """Des clés bien formées qui ne désignent aucun objet."""
    if isinstance(filtre, briques.FiltreParNumero):
        return ["999999"]
    if isinstance(
        filtre, (briques.FiltreParIdentifiant, briques.FiltreParCode, briques.FiltreParSlug)
    ):
        return ["n-existe-pas"]
    return []


@pytest.mark.parametrize("prefixe", sorted(LISTES))
def test_cle_inconnue_liste_vide(utilisateurs, prefixe):
    """Contrat de l'API (issue 12) : une clé conforme au schéma qui ne désigne rien est une
    question valide dont la réponse est vide (200), comme une année sans données ; seule une
    valeur mal formée est refusée (400)."""
    client = client_api(utilisateurs["spv"])
    for nom, filtre in LISTES[prefixe].filterset_class.base_filters.items():
        for valeur in cles_inconnues(filtre):
            reponse = client.get(f"/api/v1/{prefixe}/", {nom: valeur})
            assert reponse.status_code == 200, (nom, valeur, reponse.content[:200])
            assert reponse.json()["count"] == 0, (nom, valeur)


def test_detail_ignore_les_parametres_de_liste(api):
    """Choix documenté (socle/api/filtres.py) : une adresse de détail désigne un objet ; les
    paramètres de liste n'y filtrent rien et n'y sont pas refusés."""
    normale = api.get("/api/v1/engagements/5/")
    avec = api.get("/api/v1/engagements/5/", {"nimporte": "1", "thematique": "8"})
    assert normale.status_code == avec.status_code == 200
    assert avec.json() == normale.json()


# --- mêmes lignes : API, export de l'API, page, export de la page -------------------------------


def _normaliser(cle):
    if isinstance(cle, float) and cle.is_integer():
        return int(cle)
    return cle


def cle_api(viewset):
    return "id" if viewset.lookup_field == "pk" else viewset.lookup_field


def lignes_api(client, prefixe, parametres):
    """Toutes les lignes (JSON) de la liste filtrée, page après page."""
    lignes, url, donnees = [], f"/api/v1/{prefixe}/", {**parametres, "page_size": 500}
    while url:
        reponse = client.get(url, donnees)
        assert reponse.status_code == 200, (url, donnees, reponse.content[:300])
        corps = reponse.json()
        lignes += corps["results"]
        url, donnees = corps["next"], None
    return lignes


def lire_xlsx(reponse):
    assert reponse.status_code == 200, reponse.content[:300]
    feuille = load_workbook(io.BytesIO(reponse.content), read_only=True).active
    lignes = [list(r) for r in feuille.iter_rows(values_only=True)]
    entetes = lignes[0]
    return [dict(zip(entetes, ligne, strict=False)) for ligne in lignes[1:] if any(ligne)]


def cles_export_api(client, prefixe, viewset, parametres):
    """Les clés des lignes de l'export xlsx de l'API (colonne de la clé naturelle)."""
    cle = cle_api(viewset)
    entete = next(c.entete for c in viewset.colonnes_export if c.chemin == cle)
    lignes = lire_xlsx(client.get(f"/api/v1/{prefixe}/", {**parametres, "format": "xlsx"}))
    return sorted(_normaliser(ligne[entete]) for ligne in lignes)


def base_de(viewset, user):
    return appliquer_visibilite(viewset.queryset.all(), user)


def candidats(filtre, nom, base, requete):
    """Des valeurs prises dans les données pour un filtre, selon son type."""
    if isinstance(filtre, briques.FiltreOuiNon):
        return ["true", "false"]
    if isinstance(filtre, django_filters.ModelChoiceFilter):
        queryset = filtre.get_queryset(requete)
        champ = filtre.extra.get("to_field_name") or "pk"
        return [str(v) for v in queryset.order_by("pk").values_list(champ, flat=True)]
    if isinstance(filtre, django_filters.ChoiceFilter):
        choix = filtre.extra["choices"]
        return [str(c) for c, _ in (choix() if callable(choix) else choix) if c != ""]
    if isinstance(filtre, briques.FiltreEntier):
        valeurs = base.exclude(**{filtre.field_name: None}).values_list(
            filtre.field_name, flat=True
        )
        return [str(v) for v in sorted(set(valeurs))]
    if isinstance(filtre, briques.FiltreTexte) and filtre.lookup_expr == "iexact":
        # Un code exact (`code_qpv`) : les codes présents.
        valeurs = base.exclude(**{filtre.field_name: ""}).values_list(filtre.field_name, flat=True)
        return [v.lower() for v in valeurs]
    if isinstance(filtre, briques.FiltreTexte):
        mots = []
        for objet in base.order_by("pk")[:30]:
            mots += re.findall(r"[^\W\d_]{5,}", str(objet))
        return list(dict.fromkeys(mots))[:40]
    raise AssertionError(f"{nom} : type de filtre sans valeur représentative")


def valeurs_representatives(viewset, user):
    """Pour chaque filtre, une valeur tirée des données qui retient des lignes, de préférence
    pas toutes (un filtre qui ne filtre rien ne prouve rien) ; les deux valeurs d'un oui/non."""
    requete = RequestFactory().get("/")
    requete.user = user
    base = base_de(viewset, user)
    total = base.count()
    choisies = []
    for nom, filtre in viewset.filterset_class.base_filters.items():
        retenues = []
        for valeur in candidats(filtre, nom, base, requete):
            filtre_set = viewset.filterset_class({nom: valeur}, queryset=base, request=requete)
            assert filtre_set.is_valid(), (nom, valeur, filtre_set.errors)
            nombre = filtre_set.qs.count()
            if nombre:
                retenues.append((nombre < total, valeur))
            if isinstance(filtre, briques.FiltreOuiNon):
                continue
            if retenues and retenues[-1][0]:
                break
        assert retenues, f"{nom} : aucune valeur des données ne retient de ligne"
        if isinstance(filtre, briques.FiltreOuiNon):
            choisies += [(nom, v) for _, v in retenues]
        else:
            choisies.append((nom, max(retenues, key=lambda r: r[0])[1]))
    return choisies


@pytest.mark.parametrize("prefixe", sorted(LISTES))
def test_memes_lignes_page_api_exports(client, jeu, prefixe):
    spv = jeu
    viewset = LISTES[prefixe]
    api = client_api(spv)
    client.force_login(spv)
    page = PAGES[prefixe]
    if page is not None:
        contexte = client.get(page.url).context
        assert type(contexte["filtre"]) is viewset.filterset_class, "un seul FilterSet par liste"
    for nom, valeur in valeurs_representatives(viewset, spv):
        parametres = {nom: valeur}
        json_api = lignes_api(api, prefixe, parametres)
        cles = sorted(_normaliser(ligne[cle_api(viewset)]) for ligne in json_api)
        assert cles, (nom, valeur)
        assert cles_export_api(api, prefixe, viewset, parametres) == cles, (nom, valeur)
        if page is None:
            continue
        reponse = client.get(page.url, parametres)
        assert reponse.status_code == 200, (nom, valeur)
        assert sorted(page.lignes(reponse.context)) == cles, (nom, valeur)
        if page.export:
            exportees = lire_xlsx(client.get(page.export, parametres))
            assert Counter(page.cle_export(ligne) for ligne in exportees) == Counter(
                page.cle_api_export(ligne) for ligne in json_api
            ), (nom, valeur)


def test_projets_par_engagement_api_egale_page(client, jeu):
    """`/api/v1/projets/?engagement=1` rendait les 350 projets (filtre ignoré) : il rend ceux
    de la liste de suivi `/quartiers/projets/?engagement=1`, par le portage des projets."""
    client.force_login(jeu)
    attendus = set(
        PortageProjet.objects.filter(engagements__numero=1).values_list("projet_id", flat=True)
    )
    api = {p["id"] for p in lignes_api(client_api(jeu), "projets", {"engagement": "1"})}
    page = client.get("/quartiers/projets/", {"engagement": "1"}).context["page"]
    assert api == {p.pk for p in page.paginator.object_list} == attendus
    assert 0 < len(api) < ProjetStructurant.objects.count()


def test_structures_et_fiches_par_cle_naturelle_sur_la_page(client, jeu):
    """La page lit les clés de l'API : un QPV par son slug, une structure par le sien."""
    client.force_login(jeu)
    j2p = Structure.objects.get(slug="j2p")
    par_slug = client.get("/structures/fiches/", {"structure": "j2p"}).context["page"]
    assert {f.pk for f in par_slug.paginator.object_list} == set(
        FicheAction.objects.filter(structure=j2p).values_list("pk", flat=True)
    )
    # L'ancien identifiant numérique n'est plus une clé : il ne désigne rien, rien n'est
    # affiché (une clé inconnue donne une liste vide, comme dans l'API).
    reponse = client.get("/structures/fiches/", {"structure": str(j2p.pk)})
    assert reponse.context["page"].paginator.count == 0


@pytest.mark.parametrize("prefixe", sorted(p for p, v in LISTES.items() if v.filterset_class))
def test_sans_ses_parametres_le_filterset_ne_filtre_rien(utilisateurs, prefixe):
    """Une liste appelée sans aucun paramètre de son FilterSet ne le construit pas
    (`FiltresDeListe`, 2 ms par page épargnés) : ce n'est juste que si le FilterSet, sans ses
    paramètres, ne filtre rien. Un filtre qui appliquerait une valeur par défaut ferait
    échouer ce test, et devrait alors s'écrire autrement."""
    viewset = LISTES[prefixe]
    base = base_de(viewset, utilisateurs["spv"])
    requete = RequestFactory().get("/", {"page_size": "10"})
    requete.user = utilisateurs["spv"]
    filterset = viewset.filterset_class(requete.GET, queryset=base, request=requete)
    assert filterset.is_valid(), filterset.errors
    assert str(filterset.qs.query) == str(base.query)


def test_filtres_non_construits_sans_leurs_parametres(utilisateurs, monkeypatch):
    """Le raccourci de `FiltresDeListe` : sans paramètre du FilterSet, il n'est pas construit ;
    avec un seul, il l'est et filtre."""
    from indicateurs.filters import ValeurFilter
    from indicateurs.models import Indicateur

    indicateur = Indicateur.objects.order_by("pk").first()
    creer_valeur(indicateur, annee=2019)
    creer_valeur(indicateur, annee=2020)

    construits = []
    original = ValeurFilter.__init__

    def compter(self, *args, **kwargs):
        construits.append(args)
        original(self, *args, **kwargs)

    monkeypatch.setattr(ValeurFilter, "__init__", compter)
    client = client_api(utilisateurs["spv"])
    tout = client.get("/api/v1/valeurs/", {"page_size": "5"})
    assert tout.status_code == 200 and construits == []
    reponse = client.get("/api/v1/valeurs/", {"annee": "2019"})
    assert reponse.status_code == 200 and len(construits) == 1
    annees = [v["annee"] for v in reponse.json()["results"]]
    assert annees and set(annees) == {2019}
    assert reponse.json()["count"] < tout.json()["count"]
