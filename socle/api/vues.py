"""La base des ViewSets de l'API.

`VueLectureAPI` (lecture : liste et détail) porte ce que toutes les ressources partagent :

- **visibilité** : si le queryset du modèle définit `for_user(user)` (le seul nom de la
  visibilité dans tout le portail), la vue l'applique d'office, pour la session comme pour un jeton — l'API voit exactement ce
  que voient les pages ;
- **chargement** : `charger(queryset)` ajoute les `select_related` / `prefetch_related` /
  `annotate` (un nombre de requêtes constant, testé) ;
- **filtres** : le FilterSet de la liste (`filterset_class`, celui de sa page et de ses
  exports) et la recherche, appliqués strictement aux listes — paramètre inconnu ou valeur
  invalide : 400 (socle/api/filtres.py) ; une adresse de détail ignore les paramètres de
  liste ;
- **tri stable** : `tri` est appliqué en dernier et doit finir par une clé unique ;
- **exports** : `?format=csv` (CSV machine), `?format=csv-excel` (CSV Excel en français) et
  `?format=xlsx` renvoient toute la liste filtrée, sans pagination, avec les colonnes de
  `colonnes_export`, écrite en flux par socle/tableur.py (voir rendus.py) ;
- **limites** : corps de requête borné (413), débits (429), erreurs toujours en JSON.

Une ressource réservée aux comptes (valeurs, structures, fiches) garde la permission par
défaut `Connecte` ; le référentiel public met `permission_classes = [LectureLibre]`."""

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse
from rest_framework import viewsets
from rest_framework.exceptions import MethodNotAllowed
from rest_framework.renderers import JSONRenderer

from socle.api import cache as cache_api
from socle.api.erreurs import FiltresInvalides, RequeteTropVolumineuse
from socle.api.filtres import FiltresDeListe, ModifieDepuis, Recherche, verifier_parametres
from socle.api.pagination import PaginationParCurseur
from socle.api.permissions import Connecte
from socle.api.rendus import FORMATS_TABLEUR, RenduCSV, RenduCSVExcel, RenduTableau, RenduXLSX
from socle.api.schema import ErreurAPISerializer, exemple_erreur
from socle.api.serialiseurs import LectureSQL, NonDerivable


def appliquer_visibilite(queryset, user):
    """Restreint `queryset` à ce que `user` peut voir, si le modèle le prévoit
    (`Valeur.objects.for_user(user)`, `FicheAction.objects.for_user(user)`…)."""
    methode = getattr(queryset, "for_user", None)
    return methode(user) if callable(methode) else queryset


def verifier_taille(request, limite=None):
    """413 si le corps annoncé dépasse la limite (API_TAILLE_MAX_REQUETE par défaut). DRF lit
    le corps en flux, sans le contrôle DATA_UPLOAD_MAX_MEMORY_SIZE de Django."""
    limite = limite or settings.API_TAILLE_MAX_REQUETE
    try:
        taille = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        taille = 0
    if taille > limite:
        raise RequeteTropVolumineuse(
            f"La requête fait {taille} octets ; le maximum autorisé est de {limite} octets."
        )


class BaseVueAPI:
    """Ce que toute vue de l'API partage, lecture ou écriture (mixin pour les ViewSets et
    les APIView du second volet : valeurs, envoi groupé)."""

    permission_classes = [Connecte]
    renderer_classes = [JSONRenderer, RenduCSV, RenduCSVExcel, RenduXLSX]
    # Plafond du corps de requête pour cette vue (octets) ; None : API_TAILLE_MAX_REQUETE.
    taille_max_requete = None

    def initial(self, request, *args, **kwargs):
        # Une méthode que la vue n'a pas reçoit 405 avant toute authentification : la réponse
        # ne dépend pas de qui demande.
        if not hasattr(self, request.method.lower()):
            raise MethodNotAllowed(request.method)
        verifier_taille(request, self.taille_max_requete)
        super().initial(request, *args, **kwargs)

    def get_renderers(self):
        # OPTIONS décrit la ressource : toujours en JSON, quel que soit `?format=`.
        if self.request is not None and self.request.method == "OPTIONS":
            return [JSONRenderer()]
        return super().get_renderers()

    def perform_content_negotiation(self, request, force=False):
        # `?format=` inconnu ou vide : 400 plutôt qu'un 404 (DRF) ou un JSON en silence.
        if request.method == "OPTIONS":
            return JSONRenderer(), JSONRenderer.media_type
        brut = request.query_params.get("format")
        if brut is not None and not force:
            formats = [r.format for r in self.get_renderers()]
            if brut not in formats:
                raise FiltresInvalides(
                    {
                        "format": [
                            f"Format inconnu : « {brut[:50]} ». Formats possibles ici : "
                            f"{', '.join(formats)}."
                        ]
                    }
                )
        return super().perform_content_negotiation(request, force)

    @property
    def est_export(self):
        renderer = getattr(self.request, "accepted_renderer", None)
        return getattr(renderer, "format", None) in FORMATS_TABLEUR

    def finalize_response(self, request, response, *args, **kwargs):
        # Une erreur se lit toujours en JSON, même demandée en CSV ou en xlsx.
        if getattr(response, "exception", False) and self.est_export:
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)


REPONSE_400_LISTE = OpenApiResponse(
    ErreurAPISerializer,
    description="Paramètre inconnu de la liste (`parametre_inconnu`, avec la clé la plus "
    "proche) ou valeur de filtre invalide (`donnees_invalides`, message par paramètre dans "
    "`erreurs`) : rien n’est renvoyé plutôt qu’une liste filtrée à moitié.",
    examples=[
        exemple_erreur(
            "Paramètre inconnu",
            "parametre_inconnu",
            "Paramètre inconnu pour cette liste : « engagment ». Paramètres acceptés : q, "
            "quartier, engagement, statut, search, page, page_size, format.",
            "400",
            {
                "engagment": [
                    "Paramètre inconnu pour cette liste. Vouliez-vous dire « engagement » ?"
                ]
            },
        ),
        exemple_erreur(
            "Filtre invalide",
            "donnees_invalides",
            "Valeur de filtre invalide : « statut » (voir « erreurs ») ; aucun résultat n’est "
            "renvoyé tant qu’elle n’est pas corrigée.",
            "400",
            {"statut": ["Sélectionnez un choix valide. inconnu n’en fait pas partie."]},
        ),
    ],
)


class VueLectureAPI(BaseVueAPI, viewsets.ReadOnlyModelViewSet):
    """Liste et détail d'une ressource, filtrables, paginés et exportables."""

    filter_backends = [FiltresDeListe, Recherche, ModifieDepuis]

    # Tri final de la liste ; doit se terminer par une clé unique (tri stable entre pages).
    tri = ("pk",)
    # Colonnes des exports CSV/xlsx (liste de rendus.Colonne) ; None : déduites.
    colonnes_export = None
    # Début du nom des fichiers exportés (« engagements-2025-03-01.csv »).
    nom_export = None
    # Exports lus en SQL plutôt que sérialisés (centaines de milliers de lignes) : les champs
    # calculés, `{nom: (chemins SQL, fonction)}` ({} s'il n'y en a pas) ; None : le
    # sérialiseur. Seulement pour des champs qui rendent leur valeur telle quelle (ni
    # sérialiseur imbriqué, ni mise en forme propre) : voir `LectureSQL`.
    lecture_sql_export = None
    # Pages JSON d'une liste longue lues en SQL, de même (`LectureSQL(json=True)`) : les
    # champs calculés du JSON, `{nom: (chemins SQL, fonction → valeur rendue)}` ; None : le
    # sérialiseur. Une page de valeurs sans objet du modèle ni champ DRF par ligne coûte trois
    # fois moins (banc national).
    lecture_sql_liste = None
    # Référentiel public : la liste est servie depuis le cache partagé tant que ces modèles
    # (audités) n'ont pas changé (socle/api/cache.py) ; () : calculée à chaque appel. Jamais
    # pour une ressource dont la visibilité dépend du compte (`for_user`).
    cache_referentiel = ()

    def lecture_sql(self, champs):
        """Les enregistrements d'un export lus en SQL (`LectureSQL`) quand la vue le déclare et
        que chaque champ lu par les colonnes s'y prête ; None : le sérialiseur, par paquets."""
        if self.lecture_sql_export is None or champs is None:
            return None
        try:
            return LectureSQL(self.get_serializer(), champs, self.lecture_sql_export)
        except NonDerivable:
            return None

    # (vue, sérialiseur) → plan de lecture des pages JSON (False : non dérivable).
    _plans_pages: dict = {}

    def lecture_sql_page(self):
        """La lecture en SQL des pages JSON (`LectureSQL(json=True)`) quand la vue la déclare
        et que chaque champ du sérialiseur s'y prête ; None : le sérialiseur. Le plan est fait
        une fois par vue et par sérialiseur (ses champs ne dépendent pas de la requête), puis
        adapté à chaque requête (`pour_la_requete`)."""
        if self.lecture_sql_liste is None or not isinstance(self.paginator, PaginationParCurseur):
            return None  # la page seule est lue en SQL, pas le compte (voir `lignes`)
        cle = (type(self), self.get_serializer_class())
        plan = self._plans_pages.get(cle)
        if plan is None:
            serialiseur = self.get_serializer()
            try:
                plan = LectureSQL(
                    serialiseur, list(serialiseur.fields), self.lecture_sql_liste, True
                )
            except NonDerivable:
                plan = False
            # Le plan garde les champs, pas cette requête (rendus qui en dépendent refaits).
            serialiseur._context = {}
            VueLectureAPI._plans_pages[cle] = plan
        return plan.pour_la_requete(self.get_serializer_context()) if plan else None

    def get_queryset(self):
        queryset = appliquer_visibilite(super().get_queryset(), self.request.user)
        return self.charger(queryset).order_by(*self.tri)

    def charger(self, queryset):
        """Ajoute les jointures et préchargements que le sérialiseur lit."""
        return queryset

    def list(self, request, *args, **kwargs):
        rendu = getattr(request, "accepted_renderer", None)
        if isinstance(rendu, RenduTableau):
            # Export : toute la liste filtrée, lue par paquets et écrite en flux ; les
            # paramètres de pagination, sans effet, doivent quand même être bien formés.
            verifier = getattr(self.paginator, "verifier_parametres", None)
            if verifier is not None:
                verifier(request, self)
            return rendu.reponse_liste(self.filter_queryset(self.get_queryset()), self)
        if (
            self.cache_referentiel
            and isinstance(rendu, JSONRenderer)
            and not callable(getattr(self.queryset, "for_user", None))
        ):
            return cache_api.reponse(
                request,
                self.basename,
                self.cache_referentiel,
                lambda: super(VueLectureAPI, self).list(request, *args, **kwargs).data,
            )
        lecture = self.lecture_sql_page() if isinstance(rendu, JSONRenderer) else None
        if lecture is not None:
            # La page lue en tuples (positions du curseur comprises), rendue sans sérialiseur.
            positions = [c.lstrip("-") for c in self.tri_curseur]
            page = self.paginator.paginate_queryset(
                self.filter_queryset(self.get_queryset()),
                request,
                view=self,
                lire=lambda queryset: lecture.lignes(queryset, *positions),
            )
            return self.get_paginated_response([lecture.enregistrement(ligne) for ligne in page])
        return super().list(request, *args, **kwargs)

    def filter_queryset(self, queryset):
        # Une adresse de détail désigne un objet : ni filtre de liste, ni contrôle des
        # paramètres (un lien partagé avec ses paramètres de liste reste lisible).
        if getattr(self, "detail", False):
            return queryset
        verifier_parametres(self.request, self)
        return super().filter_queryset(queryset)

    def codes_erreur_de(self, methode, action_nom):
        """Réponses d'erreur propres à chaque opération (lues par le schéma OpenAPI) : celles
        de la vue pour toutes ses opérations, et le 400 des paramètres d'une liste."""
        codes = dict(getattr(self, "codes_erreur_supplementaires", {}))
        if methode == "GET" and action_nom == "list":
            codes["400"] = REPONSE_400_LISTE
        return codes

    def paginate_queryset(self, queryset):
        if self.est_export:
            return None  # un export contient toute la liste filtrée
        return super().paginate_queryset(queryset)
