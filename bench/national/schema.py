"""Ce que le générateur national sait du schéma, en un seul endroit.

Les tables et les colonnes viennent toujours des modèles (`_meta.db_table`, `field.column`),
jamais écrites en dur : une migration qui renomme un champ, en supprime un ou ajoute une
colonne obligatoire sans valeur par défaut fait échouer la génération avec un message qui
nomme le modèle et le champ, au lieu de produire en silence un jeu de données faux.

- `inserer()` : `INSERT INTO <table du modèle> (colonnes) SELECT expressions FROM …`, où les
  expressions sont données par nom de champ ; les champs non fournis prennent leur valeur par
  défaut du modèle (ou NULL), et un champ obligatoire sans défaut oublié lève
  `SchemaInattendu` ;
- `copier_historique()` : les lignes django-simple-history (« + », « ~ ») d'une partie des
  objets, colonne par colonne depuis la table du modèle ;
- `alea()` : un tirage pseudo-aléatoire reproductible en SQL, fonction d'une clé (et non de
  l'ordre des lignes) : deux générations donnent le même jeu de données.

Les requêtes utilisent des paramètres nommés (`%(nom)s`) ; le modulo s'écrit `mod()` pour ne
jamais confondre `%` avec un paramètre."""

from django.core.exceptions import FieldDoesNotExist
from django.db import connection, models


class SchemaInattendu(Exception):
    """Le schéma ne correspond plus à ce que le générateur sait écrire."""


def nom(identifiant):
    return connection.ops.quote_name(identifiant)


def table(modele):
    """Le nom SQL (entre guillemets) de la table d'un modèle."""
    return nom(modele._meta.db_table)


def champ(modele, nom_champ):
    try:
        return modele._meta.get_field(nom_champ)
    except FieldDoesNotExist:
        raise SchemaInattendu(
            f"Le modèle {modele._meta.label} n’a plus de champ « {nom_champ} » : mettez à jour "
            "le générateur du banc d’essai (bench/national/)."
        ) from None


def colonne(modele, nom_champ, alias=None):
    """La colonne SQL d'un champ (`"alias"."colonne"` si un alias de table est donné)."""
    sql = nom(champ(modele, nom_champ).column)
    return f"{alias}.{sql}" if alias else sql


def alea(cle_sql, graine):
    """Un nombre dans [0, 1[ tiré de façon reproductible à partir d'une expression SQL entière
    (`cle_sql`) et d'une graine : même clé, même tirage, quel que soit l'ordre des lignes."""
    return (
        f"((hashint8extended(({cle_sql})::bigint, {int(graine)}) & 9007199254740991)::float8"
        " / 9007199254740992.0)"
    )


def _est_automatique(f):
    return f.primary_key and isinstance(f, models.AutoField | models.BigAutoField)


def inserer(curseur, modele, expressions, depuis, params=None, ignorer_conflits=False):
    """Insère dans la table de `modele` les lignes de `SELECT expressions … depuis`.

    `expressions` : {nom de champ: expression SQL}. Un champ absent prend la valeur par défaut
    du modèle (passée en paramètre, comme Django l'écrirait), now() pour une date `auto_now` ou
    `auto_now_add`, NULL s'il l'accepte, une chaîne
    vide pour un texte obligatoire ; un champ obligatoire sans défaut absent lève
    `SchemaInattendu`. Retourne le nombre de lignes insérées."""
    params = dict(params or {})
    colonnes, valeurs = [], []
    connus = set()
    for nom_champ, expression in expressions.items():
        f = champ(modele, nom_champ)
        if not f.concrete or f.many_to_many:
            raise SchemaInattendu(f"{modele._meta.label}.{nom_champ} n’est pas une colonne.")
        connus.add(f.name)
        colonnes.append(nom(f.column))
        valeurs.append(expression)
    for f in modele._meta.concrete_fields:
        if f.name in connus or _est_automatique(f):
            continue
        if f.db_default is not models.NOT_PROVIDED:
            continue  # la base la remplit
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            # Django le remplit à l'enregistrement (`auto_now`, `auto_now_add`) : now() ici.
            colonnes.append(nom(f.column))
            valeurs.append("now()")
        elif f.has_default():
            cle = f"defaut_{f.column}"
            params[cle] = f.get_db_prep_save(f.get_default(), connection)
            colonnes.append(nom(f.column))
            valeurs.append(f"%({cle})s")
        elif f.null:
            continue
        elif f.empty_strings_allowed and not isinstance(f, models.DateField | models.TimeField):
            colonnes.append(nom(f.column))
            valeurs.append("''")
        else:
            raise SchemaInattendu(
                f"Champ obligatoire sans valeur par défaut que le banc d’essai ne remplit pas : "
                f"{modele._meta.label}.{f.name}. Ajoutez-le au générateur (bench/national/)."
            )
    sql = (
        f"INSERT INTO {table(modele)} ({', '.join(colonnes)}) "
        f"SELECT {', '.join(valeurs)} {depuis}"
        + (" ON CONFLICT DO NOTHING" if ignorer_conflits else "")
    )
    curseur.execute(sql, params)
    return curseur.rowcount


def copier_historique(curseur, modele, condition, date_sql, raison, type_="+", params=None):
    """Ajoute une ligne d'historique (django-simple-history) pour chaque objet de `modele` qui
    vérifie `condition` (SQL sur l'alias `b`), copiée colonne par colonne, datée par
    `date_sql`. Retourne le nombre de lignes écrites."""
    historique = modele.history.model
    expressions = {}
    for f in historique._meta.concrete_fields:
        if f.name == "history_id":
            continue
        if f.name == "history_date":
            expressions[f.name] = date_sql
        elif f.name == "history_change_reason":
            expressions[f.name] = "%(raison_historique)s"
        elif f.name == "history_type":
            expressions[f.name] = "%(type_historique)s"
        elif f.name == "history_user":
            continue  # sans auteur : le générateur n'est pas un compte
        else:
            expressions[f.name] = colonne(modele, f.name, "b")
    params = {**(params or {}), "raison_historique": raison, "type_historique": type_}
    return inserer(
        curseur, historique, expressions, f"FROM {table(modele)} b WHERE {condition}", params
    )
