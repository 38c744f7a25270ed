"""Trouve les fichiers front venus du registre npm (node_modules) sans tout copier.

Les dossiers `dist/` de Bootstrap et Chart.js pèsent ~15 Mo (sources, cartes, variantes) ;
seuls les fichiers réellement servis sont listés dans `settings.FICHIERS_NPM`, ce qui garde
`collectstatic` (et sa compression) rapide."""

from pathlib import Path, PurePosixPath

from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.core.checks import Error
from django.core.files.storage import FileSystemStorage


class NpmFinder(BaseFinder):
    """Expose chaque entrée `chemin statique → fichier de node_modules` de FICHIERS_NPM."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        racine = Path(settings.NODE_MODULES)
        self.fichiers = {cible: racine / source for cible, source in settings.FICHIERS_NPM.items()}

    def check(self, **kwargs):
        return [
            Error(
                f"Fichier front introuvable : {source}",
                hint="Lancez « npm ci » (make run / make test le font).",
                id="contratville.E001",
            )
            for source in self.fichiers.values()
            if not source.exists()
        ]

    def find(self, path, find_all=False, **kwargs):
        source = self.fichiers.get(path)
        trouve = str(source) if source and source.exists() else None
        if find_all:
            return [trouve] if trouve else []
        return trouve

    def list(self, ignore_patterns):
        for cible, source in self.fichiers.items():
            if source.exists():
                stockage = FileSystemStorage(location=str(source.parent))
                stockage.prefix = str(PurePosixPath(cible).parent)
                yield source.name, stockage
