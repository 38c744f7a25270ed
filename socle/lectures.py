"""Le marquage des lectures lourdes (bilan, exports, PDF, comparaisons) : ce qu'elles lisent
peut partir vers un réplica en lecture seule. Le routeur qui s'en sert est
contratville/routeurs.py (déclaré dans `DATABASE_ROUTERS`) ; ce marquage vit dans le socle
pour que chaque app marque ses vues sans importer le projet.

    @lecture_lourde                      # une vue (réponses en flux comprises)
    def export_valeurs(request): ...

    with lectures_lourdes():             # une commande, un travail de fond
        bilan = calculer_bilan(2025)

Ne jamais marquer une page de saisie ni un import : un réplica a un léger retard, et leurs
contrôles verrouillent des lignes de la base principale."""

from collections.abc import Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps

from django.http import StreamingHttpResponse

_en_lecture_lourde = ContextVar("en_lecture_lourde", default=False)


@contextmanager
def lectures_lourdes():
    """Les lectures de l'ORM faites dans ce bloc partent vers le réplica (s'il existe)."""
    jeton = _en_lecture_lourde.set(True)
    try:
        yield
    finally:
        _en_lecture_lourde.reset(jeton)


def iterer_en_lecture_lourde(morceaux):
    """Les éléments de `morceaux`, chacun produit en lecture lourde : pour un contenu lu en
    flux après la sortie de la vue. Le marquage est posé et levé à chaque élément, jamais
    gardé pendant que le générateur est suspendu (il déborderait sur le code appelant)."""
    iterateur = iter(morceaux)
    while True:
        with lectures_lourdes():
            try:
                morceau = next(iterateur)
            except StopIteration:
                return
        yield morceau


def lecture_lourde(vue):
    """Décorateur de vue : ses lectures, et celles de sa réponse en flux, vont au réplica."""

    @wraps(vue)
    def enveloppe(request, *args, **kwargs):
        with lectures_lourdes():
            reponse = vue(request, *args, **kwargs)
        if isinstance(reponse, StreamingHttpResponse) and not reponse.is_async:
            reponse.streaming_content = iterer_en_lecture_lourde(reponse.streaming_content)
        return reponse

    return enveloppe


def en_lecture_lourde():
    """Vrai pendant une lecture lourde."""
    return _en_lecture_lourde.get()


class ListeEnFlux(Sequence):
    """Une liste lue en SQL à la demande, pour une section qu'une page ne montre qu'en partie
    (son nombre, ses premières lignes) et qu'un export parcourt en entier : `len()` compte en
    SQL (une fois), une tranche ne lit que ses lignes (`LIMIT`), le parcours lit par paquets
    (`iterator`) et la mémoire ne croît pas avec le nombre de lignes. `preparer(objet)`
    complète chaque objet lu (objets liés déjà chargés ailleurs). Créée pendant une lecture
    lourde, elle lit aussi en lecture lourde, même parcourue plus tard (gabarit, classeur).

        bilan.credits = ListeEnFlux(credits_de_n)
        len(bilan.credits), bilan.credits[:500]     # le rapport : COUNT, puis LIMIT 500
        for credit in bilan.credits: ...             # le classeur : toutes, par paquets"""

    TAILLE_PAQUET = 2000

    def __init__(self, queryset, preparer=None):
        self.queryset = queryset
        self.preparer = preparer
        self.lourde = en_lecture_lourde()
        self._nombre = None

    def _lire(self, fonction):
        if not self.lourde:
            return fonction()
        with lectures_lourdes():
            return fonction()

    def _prepares(self, objets):
        if self.preparer is not None:
            for objet in objets:
                self.preparer(objet)
        return objets

    def __len__(self):
        if self._nombre is None:
            self._nombre = self._lire(self.queryset.count)
        return self._nombre

    def __bool__(self):
        return len(self) > 0

    def __getitem__(self, cle):
        if isinstance(cle, slice):
            return self._prepares(self._lire(lambda: list(self.queryset[cle])))
        return self._prepares([self._lire(lambda: self.queryset[cle])])[0]

    def __iter__(self):
        morceaux = self.queryset.iterator(chunk_size=self.TAILLE_PAQUET)
        if self.lourde:
            morceaux = iterer_en_lecture_lourde(morceaux)
        for objet in morceaux:
            if self.preparer is not None:
                self.preparer(objet)
            yield objet
