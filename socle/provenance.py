"""La provenance d'un chiffre dite en une phrase, la même partout (pages, PDF, exports, API).

Un objet « à provenance » a `reserve_perimetre`, `deduite` et `motif_deduction`
(`socle.models.Provenance`) ; le gabarit `includes/provenance.html` et le filtre
`provenance` l'affichent, les tableurs et l'API reprennent les mêmes textes."""

MARQUE_DEDUITE = "déduit par le chargement"

# Les champs de `socle.models.Provenance`, dans l'ordre où les exports et l'API les donnent,
# et leur intitulé de colonne.
CHAMPS_PROVENANCE = ("reserve_perimetre", "deduite", "motif_deduction")
INTITULES_PROVENANCE = {
    "reserve_perimetre": "Réserve de périmètre",
    "deduite": "Déduit par le chargement",
    "motif_deduction": "Motif de la déduction",
}


def reserve(obj):
    return (getattr(obj, "reserve_perimetre", "") or "").strip()


def deduction(obj):
    """« déduit par le chargement : <motif> », ou « » quand la source dit tout."""
    if not getattr(obj, "deduite", False):
        return ""
    motif = (getattr(obj, "motif_deduction", "") or "").strip()
    return f"{MARQUE_DEDUITE} : {motif}" if motif else MARQUE_DEDUITE


def texte_provenance(obj):
    """La réserve de périmètre puis la marque de déduction, séparées par « ; » (vide quand
    il n'y a rien à signaler)."""
    if obj is None:
        return ""
    return " ; ".join(t for t in (reserve(obj), deduction(obj)) if t)


def colonnes_provenance(objet=None):
    """Les colonnes de provenance d'un export (socle/tableur.py), à mettre après « Source » :
    réserve de périmètre, déduit (Oui/Non) et motif. `objet` : fonction qui rend, pour une
    ligne, l'objet à provenance (la ligne elle-même par défaut)."""
    from socle.tableur import Colonne, Format

    def lire(nom):
        def lecture(ligne):
            cible = objet(ligne) if objet else ligne
            return getattr(cible, nom) if cible is not None else None

        return lecture

    return [
        Colonne(
            INTITULES_PROVENANCE["reserve_perimetre"],
            lire("reserve_perimetre"),
            largeur=36,
            definition="Ce que couvre le chiffre quand ce n’est pas exactement le territoire "
            "(« chiffre du Grand Belleville (10e, 11e, 20e) »). Vide : le territoire lui-même.",
        ),
        Colonne(
            INTITULES_PROVENANCE["deduite"],
            lire("deduite"),
            Format.BOOLEEN,
            definition="« Oui » : une partie de l’information (source, année, périmètre…) "
            "n’est pas écrite dans la source mais déduite par le chargement du référentiel.",
        ),
        Colonne(
            INTITULES_PROVENANCE["motif_deduction"],
            lire("motif_deduction"),
            largeur=60,
            definition="Ce qui a été déduit et pourquoi.",
        ),
    ]


def aides_api_provenance(chiffre):
    """Les `extra_kwargs` d'un sérialiseur DRF pour les champs de provenance : leur aide
    dans le schéma de l'API. `chiffre` : ce que le sérialiseur décrit (« la valeur »)."""
    return {
        "reserve_perimetre": {
            "help_text": f"Ce que couvre {chiffre} quand ce n’est pas exactement le "
            "territoire (« chiffre du Grand Belleville (10e, 11e, 20e) ») ; vide sinon.",
        },
        "deduite": {
            "help_text": "Vrai quand une partie de l’information (source, année, "
            "périmètre) n’est pas écrite dans la source mais déduite par le chargement.",
        },
        "motif_deduction": {"help_text": "Ce qui a été déduit et pourquoi ; vide sinon."},
    }


def colonnes_api_provenance():
    """Les colonnes de provenance des exports de l'API (`socle.api.rendus.Colonne`), avec les
    intitulés des exports des pages."""
    from socle.api.rendus import Colonne

    return [Colonne(INTITULES_PROVENANCE[nom], nom) for nom in CHAMPS_PROVENANCE]
