"""Administration des indicateurs du référentiel d'évaluation."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from indicateurs.models import Indicateur


@admin.register(Indicateur)
class IndicateurAdmin(SimpleHistoryAdmin):
    list_display = ["code", "libelle", "engagement", "unite", "nature"]
    list_filter = ["unite", "nature", "engagement__thematique"]
    list_select_related = ["engagement"]
    search_fields = ["code", "libelle"]
