"""Municipalities get a readable short name for their public addresses (/m/fjordvik/guides/)."""

from typing import Any

from django.db import migrations, models
from django.utils.text import slugify


def _slug(name: str) -> str:
    base = name.strip().removesuffix(" kommune").removesuffix(" Kommune")
    base = base.lower().replace("æ", "ae").replace("ø", "o").replace("å", "a")
    return slugify(base)[:60] or "kommune"


def fill_slugs(apps: Any, schema_editor: Any) -> None:
    Municipality = apps.get_model("organisation", "Municipality")
    taken: set[str] = set()
    for place in Municipality.objects.order_by("id"):
        slug, n = _slug(place.name), 2
        while slug in taken:
            slug, n = f"{_slug(place.name)[:56]}-{n}", n + 1
        taken.add(slug)
        place.slug = slug
        place.save(update_fields=["slug"])


class Migration(migrations.Migration):
    dependencies = [("organisation", "0002_renew_consent_on_handover")]

    operations = [
        migrations.AddField(
            model_name="municipality",
            name="slug",
            field=models.SlugField(
                max_length=60, null=True, db_index=False, verbose_name="short name in addresses"
            ),
        ),
        migrations.RunPython(fill_slugs, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="municipality",
            name="slug",
            field=models.SlugField(
                max_length=60, unique=True, verbose_name="short name in addresses"
            ),
        ),
    ]
