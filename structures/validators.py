"""Contrôles de format des identifiants d'une structure (SIRET, RNA).

Ces contrôles ne disent pas que l'identifiant existe (le portail n'interroge pas le
répertoire Sirene, les postes n'ont pas d'accès Internet) ; ils attrapent les fautes de
frappe : longueur, caractères et, pour le SIRET, la clé de Luhn.
"""

import re

from django.core.exceptions import ValidationError

# Les SIRET des établissements de La Poste (SIREN 356 000 000) ne suivent pas la clé de
# Luhn : l'Insee leur applique une règle propre (somme des chiffres multiple de 5).
SIREN_LA_POSTE = "356000000"

# Les exemples montrés dans les aides et les messages : ils passent leur propre contrôle (un
# test le vérifie), sans quoi l'utilisateur qui les recopie se voit refusé.
EXEMPLE_SIRET = "123\u00a0456\u00a0789\u00a000007"
EXEMPLE_RNA = "W751234567"


def normaliser_identifiant(valeur):
    """Retire espaces (y compris insécables), points et tirets saisis pour la lisibilité."""
    return re.sub(r"[\s.\-\u00a0\u202f]", "", valeur or "").upper()


def luhn_valide(chiffres):
    """Clé de Luhn : en partant de la droite, un chiffre sur deux est doublé (moins 9 s'il
    dépasse 9) ; la somme doit être un multiple de 10."""
    total = 0
    for i, c in enumerate(reversed(chiffres)):
        n = int(c)
        if i % 2 == 1:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return total % 10 == 0


def valider_siret(valeur):
    """Un SIRET a 14 chiffres (SIREN + NIC) et respecte la clé de Luhn."""
    siret = normaliser_identifiant(valeur)
    if not re.fullmatch(r"\d{14}", siret):
        raise ValidationError(
            f"Le SIRET doit comporter exactement 14 chiffres (par exemple {EXEMPLE_SIRET}).",
            code="siret_format",
        )
    if siret.startswith(SIREN_LA_POSTE):
        valide = sum(int(c) for c in siret) % 5 == 0
    else:
        valide = luhn_valide(siret)
    if not valide:
        raise ValidationError(
            "Ce SIRET n’est pas valide : sa clé de contrôle ne correspond pas. "
            "Vérifiez qu’aucun chiffre n’a été inversé ou oublié.",
            code="siret_cle",
        )


def valider_rna(valeur):
    """Un numéro RNA (répertoire national des associations) s'écrit W suivi de 9 chiffres."""
    rna = normaliser_identifiant(valeur)
    if not re.fullmatch(r"W\d{9}", rna):
        raise ValidationError(
            "Le numéro RNA doit commencer par la lettre W suivie de 9 chiffres "
            f"(par exemple {EXEMPLE_RNA}).",
            code="rna_format",
        )
