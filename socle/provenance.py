"""La provenance d'un chiffre dite en une phrase, la même partout (pages, PDF, exports, API).

Un objet « à provenance » a `reserve_perimetre`, `deduite` et `motif_deduction`
(`socle.models.Provenance`) ; le gabarit `includes/provenance.html` et le filtre
`provenance` l'affichent, les tableurs et l'API reprennent les mêmes textes."""

MARQUE_DEDUITE = "déduit par le chargement"


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
