"""The demo ships tools and three published guides for Fjordvik and Nabovik, in
nynorsk and bokmål, and loading it again changes nothing."""

from __future__ import annotations

import pytest

from stafett.demo import content as c
from stafett.demo.services import load_demo
from stafett.guides import selectors
from stafett.guides.models import (
    FormField,
    FormTemplate,
    Guide,
    GuideStepText,
    GuideVersion,
    TemplateKind,
)
from stafett.organisation.models import Municipality, ServiceCategory

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (Guide, GuideVersion, GuideStepText, FormTemplate, FormField)
    )


def test_the_demo_has_guides_and_tools_in_both_languages_and_loads_twice_the_same() -> None:
    load_demo()
    first = _counts()
    load_demo()
    assert _counts() == first
    for name, language in ((c.FJORDVIK, "nn"), (c.NABOVIK, "nb")):
        municipality = Municipality.objects.get(name=name)
        rows = selectors.public_guides(municipality.id, language, municipality.language)
        assert {row.guide.category for row in rows} == {
            ServiceCategory.BASIS,
            ServiceCategory.HELP,
            ServiceCategory.ADULT,
        }
        kinds = set(
            FormTemplate.objects.filter(municipality=municipality).values_list("kind", flat=True)
        )
        assert kinds == set(TemplateKind.values) - {TemplateKind.OTHER}
        found = selectors.published_step(
            municipality_id=municipality.id,
            category=ServiceCategory.BASIS,
            level=0,
            step="share",
            language=language,
        )
        assert found is not None
        _guide, step = found
        assert step.what and step.who
        assert step.tools and not step.tools[0].withdrawn
    fjordvik = Municipality.objects.get(name=c.FJORDVIK)
    nn = selectors.published_step(
        municipality_id=fjordvik.id, category="basis", level=2, step="start", language="nn"
    )
    nb = selectors.published_step(
        municipality_id=fjordvik.id, category="basis", level=2, step="start", language="nb"
    )
    assert nn is not None and nb is not None
    assert "forståing" in nn[1].what and "forståelse" in nb[1].what
