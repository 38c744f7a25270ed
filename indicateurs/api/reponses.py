"""Les réponses d'erreur des écritures de valeurs, décrites pour le schéma OpenAPI, avec des
exemples en français (403 motivés, 409, 412, 428, 400 par champ ou par élément)."""

from drf_spectacular.utils import OpenApiResponse

from socle.api.schema import ErreurAPISerializer, exemple_erreur

REFUS_EXEMPLES = [
    exemple_erreur(
        "Indicateur d’une autre organisation",
        "indicateur_non_produit",
        "L’indicateur E01-1 n’est pas produit par votre organisation (producteur : Académie "
        "de Paris) : seuls son producteur et le SPV en saisissent les valeurs.",
        "403",
    ),
    exemple_erreur(
        "Campagne close",
        "campagne_fermee",
        "La campagne 2024 est clôturée depuis le 31/03/2025 : ses valeurs sont verrouillées "
        "jusqu’à ce que le SPV la rouvre.",
        "403",
    ),
    exemple_erreur(
        "Valeur validée",
        "valeur_validee",
        "Cette valeur est déjà validée par Agent SPV le 02/04/2025 : elle ne peut plus être "
        "modifiée. Demandez au SPV de la renvoyer pour correction.",
        "403",
    ),
]

REPONSE_403_ECRITURE = OpenApiResponse(
    ErreurAPISerializer,
    description="Refus métier motivé, avec un code stable : `role_insuffisant`, "
    "`indicateur_non_produit`, `campagne_fermee`, `valeur_validee`, `transition_impossible`.",
    examples=REFUS_EXEMPLES,
)
REPONSE_412 = OpenApiResponse(
    ErreurAPISerializer,
    description="Version périmée : la valeur a changé depuis votre lecture (relisez-la).",
    examples=[
        exemple_erreur(
            "Version périmée",
            "precondition_echouee",
            "Cette valeur a été modifiée entre-temps par Agent SPV : la valeur actuelle est 130 "
            "(brouillon). Vos changements n’ont pas été enregistrés ; vérifiez la valeur "
            "actuelle puis recommencez si besoin.",
            "412",
        )
    ],
)
REPONSE_428 = OpenApiResponse(
    ErreurAPISerializer,
    description="En-tête If-Match absent : obligatoire pour modifier une valeur.",
    examples=[
        exemple_erreur(
            "If-Match absent",
            "precondition_requise",
            "L’en-tête If-Match est obligatoire pour modifier cette ressource.",
            "428",
        )
    ],
)
REPONSE_400_SAISIE = OpenApiResponse(
    ErreurAPISerializer,
    description="Données invalides : détail par champ dans `erreurs`.",
    examples=[
        exemple_erreur(
            "Valeur atypique sans commentaire",
            "donnees_invalides",
            "Les données envoyées ne sont pas valides.",
            "400",
            {
                "commentaire": [
                    "Écart de +80 (+66,7 %) par rapport à 2024 (120), au-delà de ±50 % : "
                    "expliquez-le dans le commentaire avant d’enregistrer."
                ]
            },
        )
    ],
)
REPONSE_400_ENVOI = OpenApiResponse(
    ErreurAPISerializer,
    description="Au moins un élément est invalide ou refusé : **rien n’est écrit**. "
    "`erreurs` est indexé par la position de l’élément (à partir de 0), puis par champ.",
    examples=[
        exemple_erreur(
            "Deux éléments en erreur",
            "donnees_invalides",
            "Aucune valeur n’a été enregistrée : 2 éléments sur 3 en erreur (voir "
            "« erreurs », par position dans la liste).",
            "400",
            {
                "0": {
                    "valeur": ["Un nombre doit être un entier positif ou nul (12,5 ne l’est pas)."]
                },
                "2": {"indicateur": ["Code indicateur inconnu : « E99-9 »."]},
            },
        )
    ],
)
REPONSE_412_ENVOI = OpenApiResponse(
    ErreurAPISerializer,
    description="Des éléments portent une version périmée (et aucun autre défaut) : rien "
    "n’est écrit ; relire ces valeurs puis renvoyer.",
    examples=[
        exemple_erreur(
            "Version périmée",
            "precondition_echouee",
            "Aucune valeur n’a été enregistrée : 1 élément porte une version périmée.",
            "412",
            {"1": {"version": ["Cette valeur a été modifiée entre-temps…"]}},
        )
    ],
)
REPONSE_409_ENVOI = OpenApiResponse(
    ErreurAPISerializer,
    description="D’autres écritures simultanées sur les mêmes valeurs ont annulé l’envoi "
    "plusieurs fois : rien n’est écrit ; le renvoyer tel quel après `Retry-After` secondes.",
    examples=[
        exemple_erreur(
            "Écritures concurrentes",
            "ecritures_concurrentes",
            "D’autres écritures simultanées portent sur les mêmes valeurs : rien n’a été "
            "enregistré. Renvoyez la requête dans quelques secondes.",
            "409",
        )
    ],
)
REPONSE_409 = OpenApiResponse(
    ErreurAPISerializer,
    description="Une valeur existe déjà pour cet indicateur, ce territoire et cette année : "
    "la modifier (PATCH avec If-Match) ou passer par l’envoi groupé.",
    examples=[
        exemple_erreur(
            "Valeur existante",
            "conflit",
            "Une valeur existe déjà pour E28-2, Goutte d’Or et 2025 (id 412, version 3) : "
            'modifiez-la par PATCH /api/v1/valeurs/412/ avec l’en-tête If-Match: "412-3", '
            "ou passez par l’envoi groupé.",
            "409",
        )
    ],
)
