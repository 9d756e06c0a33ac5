"""Builders for guide and tool test data (through the services, as the administrator)."""

from __future__ import annotations

from typing import Any

from stafett.guides import services
from stafett.guides.models import FieldType, FormTemplate, Guide, TemplateKind
from stafett.organisation.models import ServiceCategory
from stafett.policy import Actor, build_actor
from tests.conftest import World


def as_actor(user: Any) -> Actor:
    user.is_verified = lambda: True
    return build_actor(user)


def make_tool(
    world: World, *, title: str = "Observasjonsskjema", publish: bool = True
) -> FormTemplate:
    admin = as_actor(world.admin)
    template = services.create_form_template(
        actor=admin,
        municipality=world.municipality,
        kind=TemplateKind.OBSERVATION,
        titles={"nn": title, "nb": title},
    )
    services.add_field(
        actor=admin,
        template=template,
        field_type=FieldType.LONG_TEXT,
        texts={
            "nn": {"label": "Kva såg du?", "help_text": "Skriv det du såg, ikkje kva du trur."},
            "nb": {"label": "Hva så du?"},
        },
    )
    services.add_field(
        actor=admin,
        template=template,
        field_type=FieldType.CHECKLIST,
        texts={
            "nn": {"section": "6–12 år", "label": "Teikn", "options": "Trekkjer seg unna\nEt lite"},
            "nb": {
                "section": "6–12 år",
                "label": "Tegn",
                "options": "Trekker seg unna\nSpiser lite",
            },
        },
    )
    services.add_field(
        actor=admin,
        template=template,
        field_type=FieldType.SCALE,
        scale_min=1,
        scale_max=10,
        texts={"nn": {"label": "Kor uroa er du?"}},
    )
    if publish:
        services.publish_form_template(actor=admin, template=template)
    return template


def make_guide(
    world: World,
    *,
    category: str = ServiceCategory.BASIS,
    what: str = "Lag ein felles forståing med familien.",
    tools: list[FormTemplate] | None = None,
    publish: bool = True,
    level: int = 2,
    step: str = "start",
) -> Guide:
    admin = as_actor(world.admin)
    guide = services.create_guide(
        actor=admin,
        municipality=world.municipality,
        category=category,
        titles={"nn": "Rettleiar for barnehage og skule", "nb": "Veileder for barnehage og skole"},
    )
    services.update_guide_step(
        actor=admin,
        guide=guide,
        level=level,
        step=step,
        texts={"nn": {"what": what, "how": "I eit møte.", "who": "Stafetthaldaren."}},
        tools=tools or [],
    )
    if publish:
        services.publish_guide(actor=admin, guide=guide)
    return guide
