"""Réglages du portail du contrat de ville parisien.

Tout vient de l'environnement : `DEBUG` est désactivé sauf si `make run` l'active, et
`SECRET_KEY` / `ALLOWED_HOSTS` sont alors obligatoires (on refuse de démarrer un serveur
de production avec une clé de démonstration).
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from whitenoise.compress import Compressor

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    """Lit un booléen d'environnement (1/true/oui/yes/on)."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "oui", "yes", "on"}


DEBUG = env_bool("DEBUG")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY est obligatoire quand DEBUG est désactivé.")
    SECRET_KEY = "cle-de-developpement-local-uniquement"

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
if not ALLOWED_HOSTS:
    if not DEBUG:
        raise ImproperlyConfigured("ALLOWED_HOSTS est obligatoire quand DEBUG est désactivé.")
    ALLOWED_HOSTS = ["127.0.0.1", "localhost"]


def env_int(name, default):
    """Lit un entier d'environnement (valeur par défaut si absent ou vide)."""
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    # Limitation des tentatives de connexion (verrouillage par compte et par adresse) et
    # politique de sécurité du contenu (CSP) : voir plus bas.
    "contratville.apps_axes.JournalConnexionsConfig",
    "csp",
    # Travaux de fond (PDF, classeurs, imports) : file d'attente dans la base, sans courtier ;
    # rétroportage de `django.tasks` (Django 6). Voir socle/travaux.py.
    "django_tasks",
    "django_tasks_db",
    # Le projet (réglages, accueil, recherche, chargement du référentiel), puis les trois
    # étages : le socle, les apps du domaine, les fonctions transversales. Voir ARCHITECTURE.md.
    "contratville",
    "socle",
    "engagements",
    "quartiers",
    "indicateurs",
    "structures",
    "territoire",
    "bilan",
    "recherche",
    "afaire",
    "donnees_ouvertes",
    "notifications",
    "comptes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Profil et nombre de notifications non lues chargés avec le compte, en une requête.
    "notifications.middleware.PrechargementCompteMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Après l'authentification et les messages : une requête refusée ou une session expirée
    # s'expliquent dans la mise en page du portail.
    "contratville.middleware.RefusCaracteresNulsMiddleware",
    "contratville.middleware.DureeSessionMiddleware",
    "contratville.middleware.SansCacheSiAuthentifieMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "contratville.middleware.MethodeNonAutoriseeMiddleware",
    # En dernier (recommandation d'axes) : transforme un verrouillage en page de refus.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "contratville.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "contratville.context_processors.portail",
                "contratville.context_processors.notifications",
            ],
            "builtins": ["contratville.templatetags.portail"],
        },
    },
]

WSGI_APPLICATION = "contratville.wsgi.application"

# SQLite par défaut pour un lancement local sans installation ; PostgreSQL dès que
# DATABASE_URL est fourni (tests, production). Les connexions persistantes sont vérifiées
# avant réemploi (CONN_HEALTH_CHECKS) : après un redémarrage de PostgreSQL, la requête
# suivante rouvre une connexion au lieu d'échouer sur l'ancienne.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}

# Réplica en lecture seule, facultatif (`DATABASE_REPLICA_URL`) : les lectures lourdes (bilan,
# exports, PDF, comparaisons) y partent, marquées par contratville/routeurs.py ; sans lui,
# tout va à la base principale. Les écritures et les migrations ne vont qu'à la principale.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"],
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
DATABASE_ROUTERS = ["contratville.routeurs.RouteurLecturesLourdes"]

# Sans compilation JIT de PostgreSQL : elle ne se déclenche que sur les plans coûteux (une
# liste de valeurs d'une année à l'échelle nationale) et y ajoutait 300 ms de compilation à
# des requêtes d'une seconde, sans rien gagner sur des lectures de quelques milliers de lignes.
for _base in DATABASES.values():
    if _base["ENGINE"] == "django.db.backends.postgresql":
        _base.setdefault("OPTIONS", {})["options"] = "-c jit=off"

# Mots de passe de base de données connus (valeurs d'exemple, valeurs par défaut d'images) :
# un serveur de production refuse de démarrer avec l'un d'eux, ou sans mot de passe vers
# une base distante.
MOTS_DE_PASSE_BASE_INTERDITS = {"contratville", "postgres", "password", "motdepasse", "changeme"}
HOTES_LOCAUX = {"", "localhost", "127.0.0.1", "::1"}


def verifier_mot_de_passe_base(base):
    """Le message d'erreur si la base de production est protégée par un mot de passe connu
    (ou aucun, vers un hôte distant), sinon None."""
    if "sqlite" in base.get("ENGINE", ""):
        return None
    mot_de_passe = base.get("PASSWORD") or ""
    hote = base.get("HOST") or ""
    if mot_de_passe.lower() in MOTS_DE_PASSE_BASE_INTERDITS:
        return (
            "Le mot de passe de la base de données est une valeur par défaut connue : "
            "choisissez-en un propre à ce serveur (POSTGRES_PASSWORD)."
        )
    if not mot_de_passe and hote not in HOTES_LOCAUX and not hote.startswith("/"):
        return (
            f"La base de données « {hote} » est distante et sans mot de passe : "
            "renseignez-en un (POSTGRES_PASSWORD)."
        )
    return None


if not DEBUG:
    for _base in DATABASES.values():
        _refus_base = verifier_mot_de_passe_base(_base)
        if _refus_base:
            raise ImproperlyConfigured(_refus_base)

# Cache partagé par tous les processus (compteurs de débit de l'API, notamment) : une table de
# la base, créée par `manage.py createcachetable` (point d'entrée, make run, tests). Un cache
# en mémoire serait propre à chaque processus gunicorn, et les limites ne tiendraient pas.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "cache_portail",
        "OPTIONS": {"MAX_ENTRIES": 50_000},
    }
}

# L'avancement des travaux de fond s'écrit par une seconde connexion : un import tient sa
# transaction (tout ou rien) ouverte jusqu'au bout, et ce qu'il écrit dedans resterait invisible
# des pages qui le suivent. PostgreSQL seulement (SQLite n'admet qu'un écrivain à la fois : un
# import y montre son avancement à la fin) ; pas en test, où chaque test n'ouvre qu'une base.
if DATABASES["default"]["ENGINE"].endswith("postgresql") and not env_bool("TESTING"):
    DATABASES["progression"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Un portail d'administration (ASVS niveau 2, 2.1.1) : 12 caractères au moins. Les messages
# des validateurs de Django sont traduits en français.
MOT_DE_PASSE_LONGUEUR_MIN = env_int("MOT_DE_PASSE_LONGUEUR_MIN", 12)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": MOT_DE_PASSE_LONGUEUR_MIN},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- connexion : limitation des échecs (django-axes) -----------------------------------------
# Le premier moteur refuse toute tentative d'un compte ou d'une adresse verrouillés, même
# avec le bon mot de passe ; le second vérifie le mot de passe.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Verrouillage par compte (quelle que soit l'adresse : attaque d'un compte) après
# AXES_FAILURE_LIMIT échecs, et par adresse IP (quel que soit le compte : essais de mots de
# passe sur de nombreux comptes) après CONNEXION_ECHECS_MAX_PAR_ADRESSE échecs, seuil plus
# haut car plusieurs agents partagent souvent l'adresse de sortie de leur administration.
# Voir contratville/connexion.py (GestionnaireTentatives).
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = env_int("CONNEXION_ECHECS_MAX", 5)
CONNEXION_ECHECS_MAX_PAR_ADRESSE = env_int("CONNEXION_ECHECS_MAX_PAR_ADRESSE", 20)
# Durée du verrouillage, et fenêtre pendant laquelle les échecs s'additionnent.
AXES_COOLOFF_TIME = timedelta(minutes=env_int("CONNEXION_VERROUILLAGE_MINUTES", 15))
# Un échec pendant le verrouillage ne le prolonge pas (sinon un attaquant garderait un compte
# bloqué indéfiniment en essayant une fois par quart d'heure).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_HANDLER = "contratville.connexion.GestionnaireTentatives"
AXES_LOCKOUT_CALLABLE = "contratville.connexion.reponse_verrouillage"
AXES_CLIENT_IP_CALLABLE = "contratville.connexion.adresse_client"
# Journal des échecs (consulté par le SPV dans l'admin) ; l'admin d'axes est remplacé par le
# nôtre, en français (contratville/admin.py).
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_ENABLE_ADMIN = False
AXES_HTTP_RESPONSE_CODE = 429
# Les noms de compte essayés ne sont pas recopiés dans le journal des données de formulaire.
AXES_SENSITIVE_PARAMETERS = ["username", "password"]
# Adresse des clients : REMOTE_ADDR, ou, derrière NOMBRE_PROXYS proxys de confiance (le proxy
# de docker-compose : 1), l'adresse que le dernier d'entre eux a ajoutée à X-Forwarded-For.
# Jamais X-Forwarded-For sans proxy : l'en-tête se falsifie. Partagé avec les débits de l'API.
NOMBRE_PROXYS = env_int("NOMBRE_PROXYS", env_int("API_NUM_PROXIES", 0))

# --- sessions : inactivité et durée absolue ----------------------------------------------------
# Un poste de back-office laissé ouvert : déconnexion après SESSION_INACTIVITE_MINUTES sans
# requête, et au plus tard SESSION_DUREE_MAX_HEURES après la connexion (une journée de
# travail). Voir contratville.middleware.DureeSessionMiddleware.
SESSION_INACTIVITE = env_int("SESSION_INACTIVITE_MINUTES", 30) * 60
SESSION_COOKIE_AGE = env_int("SESSION_DUREE_MAX_HEURES", 10) * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Réinitialisation du mot de passe : lien valable une heure, à usage unique (le jeton change
# avec le mot de passe). La réponse prend toujours au moins MOT_DE_PASSE_OUBLIE_DUREE_MIN
# secondes, que l'adresse corresponde à un compte ou non.
PASSWORD_RESET_TIMEOUT = env_int("MOT_DE_PASSE_OUBLIE_LIEN_MINUTES", 60) * 60
MOT_DE_PASSE_OUBLIE_DUREE_MIN = float(os.environ.get("MOT_DE_PASSE_OUBLIE_DUREE_MIN", "1.0"))

LANGUAGE_CODE = "fr-fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
# Formats français : 12 100,5 (espace insécable fine pour les milliers, virgule décimale).
USE_THOUSAND_SEPARATOR = True
FORMAT_MODULE_PATH = ["contratville.formats"]

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
NODE_MODULES = BASE_DIR / "node_modules"
# Les bibliothèques front viennent du registre npm (package.json) et sont servies
# localement : aucun CDN, les postes n'ont pas d'accès Internet.
STATICFILES_DIRS = [BASE_DIR / "static"]
# Seuls les fichiers servis (et les cartes de source qu'ils citent : le stockage à manifeste
# les exige) sont exposés, voir contratville/finders.py.
FICHIERS_NPM = {
    f"vendor/{cible}": source
    for cible, source in {
        "bootstrap/css/bootstrap.min.css": "bootstrap/dist/css/bootstrap.min.css",
        "bootstrap/css/bootstrap.min.css.map": "bootstrap/dist/css/bootstrap.min.css.map",
        "bootstrap/js/bootstrap.bundle.min.js": "bootstrap/dist/js/bootstrap.bundle.min.js",
        "bootstrap/js/bootstrap.bundle.min.js.map": "bootstrap/dist/js/bootstrap.bundle.min.js.map",
        "htmx/htmx.min.js": "htmx.org/dist/htmx.min.js",
        "chartjs/chart.umd.js": "chart.js/dist/chart.umd.js",
        "chartjs/chart.umd.js.map": "chart.js/dist/chart.umd.js.map",
    }.items()
}
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "contratville.finders.NpmFinder",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or env_bool("TESTING")
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Les cartes de source ne servent qu'aux outils de développement : inutile de les compresser
# (c'est le gros du temps de collectstatic).
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map")
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

# Pièces jointes des fiches-actions : stockage par défaut de Django (fichiers locaux sous
# MEDIA_ROOT). Un stockage compatible S3 s'active en fournissant S3_BUCKET ; il demande le
# paquet optionnel django-storages (`pip install -e ".[s3]"`). Les fichiers ne sont jamais
# servis directement : la vue de téléchargement vérifie que l'utilisateur voit la fiche.
if os.environ.get("S3_BUCKET"):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["S3_BUCKET"],
            "endpoint_url": os.environ.get("S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("S3_REGION") or None,
            "access_key": os.environ.get("S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("S3_SECRET_ACCESS_KEY") or None,
            "location": os.environ.get("S3_PREFIX", ""),
            "default_acl": None,
            "file_overwrite": False,
            "querystring_auth": True,
        },
    }
# Taille maximale d'une pièce jointe (Mo) ; le proxy frontal doit accepter au moins autant.
PIECES_JOINTES_TAILLE_MAX = int(os.environ.get("PIECES_JOINTES_TAILLE_MAX_MO", "10")) * 1024 * 1024
# Imports de tableurs (socle/imports.py) : au-delà d'une borne, le fichier est refusé avec un
# message en français et rien n'est écrit. La taille décompressée est lue dans le répertoire
# central du zip, sans rien décompresser (bombes de décompression).
IMPORT_TAILLE_MAX = int(os.environ.get("IMPORT_TAILLE_MAX_MO", "5")) * 1024 * 1024
IMPORT_TAILLE_DECOMPRESSEE_MAX = 50 * 1024 * 1024
IMPORT_LIGNES_MAX = 20_000
IMPORT_COLONNES_MAX = 50
IMPORT_TEXTE_MAX = 5_000  # caractères par cellule (une colonne peut demander moins)
# Au-delà de cette taille, le contrôle d'un fichier déposé (prévisualisation) passe lui aussi
# en travail de fond ; en deçà, il tient dans la requête (quelques centaines de lignes).
IMPORT_APERCU_DIRECT_MAX = int(os.environ.get("IMPORT_APERCU_DIRECT_MAX_KO", "100")) * 1024

# --- travaux de fond (socle/travaux.py) -------------------------------------------------------
# Les travaux longs (PDF et classeur du bilan, PDF des fiches quartier, modèle de saisie d'une
# campagne, imports) ne tournent pas dans la requête web : elle crée un `Travail` et met une
# tâche en file dans la base (django-tasks, sans courtier) ; `manage.py db_worker` l'exécute
# (make run le lance à côté du serveur, docker-compose dans son propre service).
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}
# Fichiers produits : jamais servis directement (la vue de téléchargement vérifie le
# propriétaire), partagés entre le web et l'exécutant. En production, dans le volume des
# médias, que le proxy ne sert pas ; en local, hors de MEDIA_ROOT, que `make run` (DEBUG) sert.
TRAVAUX_FICHIERS_ROOT = Path(
    os.environ.get("TRAVAUX_FICHIERS_ROOT")
    or (BASE_DIR / "prive" / "travaux" if DEBUG else MEDIA_ROOT / "travaux")
)
STORAGES["travaux"] = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": TRAVAUX_FICHIERS_ROOT, "base_url": None},
}
if os.environ.get("S3_BUCKET"):
    # Même compartiment que les pièces jointes, sous un préfixe à part ; jamais d'URL publique.
    STORAGES["travaux"] = {
        "BACKEND": STORAGES["default"]["BACKEND"],
        "OPTIONS": {
            **STORAGES["default"]["OPTIONS"],
            "location": f"{os.environ.get('S3_PREFIX', '').strip('/')}/travaux".lstrip("/"),
        },
    }
# Durée de conservation d'un fichier produit (« Mes exports ») ; au-delà, il est supprimé.
TRAVAUX_CONSERVATION_JOURS = int(os.environ.get("TRAVAUX_CONSERVATION_JOURS", "7"))
# Durée maximale d'un travail, par famille (secondes) : au-delà, il est arrêté et marqué échoué.
TRAVAUX_DUREES_MAX = {
    "exports": int(os.environ.get("TRAVAUX_DUREE_MAX_EXPORTS_MIN", "10")) * 60,
    "imports": int(os.environ.get("TRAVAUX_DUREE_MAX_IMPORTS_MIN", "15")) * 60,
}
# Travaux en attente ou en cours par compte : au-delà, une nouvelle demande est refusée.
TRAVAUX_ACTIFS_MAX = int(os.environ.get("TRAVAUX_ACTIFS_MAX", "5"))
# Saisies d'une fiche-action gardées dans la session quand elle a expiré avant l'envoi
# (structures/views.py, conserver_la_saisie) : au plus tant d'octets par session.
REPRISE_SAISIE_TAILLE_MAX = env_int("REPRISE_SAISIE_TAILLE_MAX_KO", 128) * 1024
# Durée de validité d'un lien d'invitation de compte de structure.
INVITATION_DUREE_JOURS = int(os.environ.get("INVITATION_DUREE_JOURS", "14"))
# Adresse publique du portail (https://portail.example.org), pour les liens des courriels
# envoyés hors requête (notifications, résumé quotidien) : obligatoire en production, sans quoi
# les courriels pointeraient vers une machine de développement.
PORTAIL_URL = os.environ.get("PORTAIL_URL", "").strip().rstrip("/")
if not PORTAIL_URL:
    if not DEBUG:
        raise ImproperlyConfigured(
            "PORTAIL_URL est obligatoire quand DEBUG est désactivé (adresse publique du "
            "portail, par exemple https://portail.example.org : elle sert aux liens des "
            "courriels)."
        )
    PORTAIL_URL = "http://127.0.0.1:8000"
elif not PORTAIL_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured(
        f"PORTAIL_URL doit commencer par http:// ou https:// (reçu : « {PORTAIL_URL} »)."
    )

LOGIN_URL = "login"
# Après la connexion, chacun arrive sur son « À faire » (afaire/).
LOGIN_REDIRECT_URL = "afaire:index"
LOGOUT_REDIRECT_URL = "accueil"

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "contrat-de-ville@paris.fr")
# Serveur SMTP (EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend) : notifications,
# résumé quotidien et invitations.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))

# Sécurité : en production (DEBUG désactivé) les cookies ne circulent qu'en HTTPS,
# sauf si l'exploitant le désactive explicitement derrière un proxy de test.
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Jeton CSRF manquant ou expiré : page de refus en français (contratville/views.py).
CSRF_FAILURE_VIEW = "contratville.views.echec_csrf"
# Le proxy frontal (docker-compose : nginx) termine TLS et le dit par X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# HTTPS obligatoire en production : redirection des requêtes HTTP et HSTS (un an, sous-domaines
# compris). Désactivés en local (make run) et dans les tests ; réglables par l'environnement.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# La sonde de santé est appelée en HTTP simple, de l'intérieur (docker-compose, répartiteur).
SECURE_REDIRECT_EXEMPT = [r"^sante/$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
# Préchargement HSTS : une inscription dans les navigateurs difficilement réversible, qui
# engage tout le domaine ; au propriétaire du domaine d'en décider (SECURE_HSTS_PRELOAD=1).
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Politique de sécurité du contenu (django-csp 4) : rien que les fichiers du portail, aucun
# script ni style en ligne (les données des graphiques passent par des blocs JSON, que le
# navigateur n'exécute pas). Seule la documentation de l'API (Swagger UI, Redoc) l'assouplit,
# vue par vue (socle/api/docs.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        # NONCE : seulement sur une page qui le demande (le rapport du bilan, dont la feuille
        # en ligne est partagée avec son PDF) ; ailleurs l'en-tête n'a que 'self'.
        "style-src": [SELF, NONCE],
        # Bootstrap dessine ses icônes (cases, menus) en SVG « data: » dans sa feuille.
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Semences (textes sources) : à côté du dépôt par défaut, surchargeables.
SEEDS_DIR = Path(os.environ.get("CONTRATVILLE_SEEDS", BASE_DIR.parent / "shared" / "seeds"))
# Comptes de démonstration : uniquement pour un lancement local (make run), jamais sans DEBUG.
DEMO_ACCOUNTS = DEBUG and env_bool("DEMO_ACCOUNTS", True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# --- API REST (/api/v1/) : voir contratville/api/__init__.py ---------------------------------
# Corps de requête : Django refuse au-delà de DATA_UPLOAD_MAX_MEMORY_SIZE (hors fichiers) ;
# l'API vérifie Content-Length elle-même (DRF lit le flux sans passer par ce contrôle) et
# répond 413 en JSON au-delà de API_TAILLE_MAX_REQUETE.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440))
API_TAILLE_MAX_REQUETE = int(os.environ.get("API_TAILLE_MAX_REQUETE", 2 * 1024 * 1024))
# Un jeton note sa dernière utilisation au plus une fois par intervalle (secondes).
API_JETON_INTERVALLE_UTILISATION = 60
# Profondeur maximale d'un corps JSON (objets et listes imbriqués).
API_JSON_PROFONDEUR_MAX = env_int("API_JSON_PROFONDEUR_MAX", 64)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "socle.api.authentification.JetonAuthentication",
        "socle.api.authentification.SessionAuthentication",
    ],
    # Fermé par défaut : chaque vue déclare qui peut la lire (le référentiel est public).
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON à profondeur bornée (API_JSON_PROFONDEUR_MAX) : au-delà, 400 en français.
    "DEFAULT_PARSER_CLASSES": ["socle.api.parseurs.AnalyseurJSON"],
    "DEFAULT_FILTER_BACKENDS": [
        # Filtres stricts (paramètres inconnus et valeurs invalides refusés en 400) : le
        # FilterSet de la liste, partagé avec sa page et son export.
        "socle.api.filtres.FiltresDeListe",
        "socle.api.filtres.Recherche",
    ],
    "DEFAULT_PAGINATION_CLASS": "socle.api.pagination.PaginationParPage",
    # Les nombres décimaux en nombres JSON (30.5), pas en texte ("30.50").
    "COERCE_DECIMAL_TO_STRING": False,
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": [
        "socle.api.limites.DebitAnonyme",
        "socle.api.limites.DebitUtilisateur",
    ],
    # Par adresse IP pour les anonymes, par compte pour les jetons et les sessions.
    "DEFAULT_THROTTLE_RATES": {
        "anonyme": os.environ.get("API_DEBIT_ANONYME", "120/min"),
        "utilisateur": os.environ.get("API_DEBIT_UTILISATEUR", "600/min"),
    },
    # Adresse des anonymes : la même que pour les tentatives de connexion (NOMBRE_PROXYS).
    "NUM_PROXIES": NOMBRE_PROXYS,
    "EXCEPTION_HANDLER": "socle.api.erreurs.gestionnaire_exceptions",
    "DEFAULT_SCHEMA_CLASS": "socle.api.schema.SchemaAPI",
    "NON_FIELD_ERRORS_KEY": "general",
    "UNICODE_JSON": True,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "API du contrat de ville parisien 2024-2030",
    # Description longue, étiquettes et noms d'énumérations : contratville/api/schema.py.
    "DESCRIPTION": "Référentiel du contrat de ville parisien 2024-2030, en lecture libre.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Documentation servie hors ligne (paquet drf-spectacular-sidecar), sans CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "persistAuthorization": True},
    "PREPROCESSING_HOOKS": ["socle.api.schema.garder_api_v1"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "socle.api.schema.completer_schema",
    ],
    "ENUM_NAME_OVERRIDES": {},
}

# Adresse de contact de la déclaration d'accessibilité (/accessibilite/) : sans elle, la page
# nomme le service sans adresse électronique.
CONTACT_ACCESSIBILITE = os.environ.get("CONTACT_ACCESSIBILITE", "")
