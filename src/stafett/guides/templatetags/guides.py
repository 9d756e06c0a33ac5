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


@register.simple_tag
def published_guide_step(municipality_id: int, category: str, level: int, step: str) -> Any:
    """(guide, step) for any level and step, e.g. a level-0 concern's step, or None.
    Render the step with `{% include "guides/_step.html" with step=found.1 %}`."""
    language = (translation.get_language() or "nn").split("-")[0]
    return selectors.published_step(
        municipality_id=municipality_id,
        category=category,
        level=level,
        step=step,
        language=language,
    )


@register.simple_tag
def guide_step_for_concern(concern: Any) -> Any:
    """(guide, step) of the published level-0 guide for the concern's step, from the
    guide for the category of the concern's unit, or None."""
    language = (translation.get_language() or "nn").split("-")[0]
    return selectors.step_for_concern(concern, language)


@register.simple_tag
def filled_forms_for_concern(concern: Any) -> Any:
    """The forms filled for a concern (titles only), newest first."""
    language = (translation.get_language() or "nn").split("-")[0]
    return selectors.filled_forms_for_concern(concern, language)
