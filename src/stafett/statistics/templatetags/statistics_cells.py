"""`{% cell c %}`: a protected figure as text ("under 5", "hidden" or the number)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from stafett.statistics.charts import cell_text
from stafett.statistics.suppression import Cell, Shown

register = template.Library()


@register.simple_tag
def cell(value: Cell) -> SafeString:
    if value.shown is Shown.EXACT:
        return format_html("{}", cell_text(value))
    css = "stat-under" if value.shown is Shown.UNDER else "stat-hidden"
    return format_html('<span class="{}">{}</span>', css, cell_text(value))
