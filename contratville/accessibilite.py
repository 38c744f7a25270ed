"""La déclaration d'accessibilité (modèle RGAA 4.1) : ce qui a été vérifié, quand, et ce qui
ne l'est pas encore. À tenir à jour après chaque audit."""

import datetime

# L'état affiché tant qu'aucun audit RGAA complet (par un tiers) n'a conclu autrement.
ETAT = "partiellement conforme"
# Date de l'audit *automatisé* : axe-core sur toutes les pages, pour chaque rôle, états
# d'erreur compris, et redistribution à 320 px (tests/navigateur/test_accessibilite.py).
DATE_AUDIT_AUTOMATISE = datetime.date(2026, 12, 1)
REFERENTIEL = "RGAA 4.1 (WCAG 2.1 niveau AA)"

NON_CONFORMITES = [
    "Les graphiques d’évolution (Chart.js) ne sont pas lisibles par un lecteur d’écran : "
    "chacun est accompagné d’un tableau de données et d’un résumé textuel, qui en donnent le "
    "même contenu.",
    "Les documents déposés par les utilisateurs (pièces jointes des fiches-actions, rapports "
    "d’études, tableurs importés) ne sont pas contrôlés : leur accessibilité dépend de leur "
    "auteur.",
    "Les PDF produits par le portail (fiche quartier, rapport du bilan) sont balisés (PDF/UA) "
    "mais n’ont pas été vérifiés à la main avec un lecteur d’écran.",
    "L’interface d’administration (réservée aux agents du SPV) repose sur celle de Django et "
    "n’a pas été auditée.",
    "L’audit est automatisé : il ne couvre qu’une partie des critères du RGAA (pertinence des "
    "alternatives, ordre de lecture, compréhension des contenus… restent à vérifier par un "
    "audit humain).",
]
