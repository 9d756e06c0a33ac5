from __future__ import annotations

from typing import Any

from django import template
from django.utils import translation

from stafett.guides import selectors

register = template.Library()


@register.simple_tag
def guide_step_for_log(log: Any) -> Any:
    """(guide, step) of the published guide for the log's level and step, or None."""
    language = (translation.get_language() or "nn").split("-")[0]
    return selectors.step_for_log(log, language)


@register.simple_tag
def filled_forms_for_log(log: Any) -> Any:
    """The forms filled in the log (titles only), newest first."""
    language = (translation.get_language() or "nn").split("-")[0]
    return selectors.filled_forms_in_log(log, language)
