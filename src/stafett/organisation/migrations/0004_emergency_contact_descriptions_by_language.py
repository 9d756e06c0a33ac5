"""An emergency contact's "when to call" moves from one column to one text per language
code. The old text was written in the municipality's own language; it is kept under that
language's code (and written back from it on reversal)."""

from typing import Any

from django.db import migrations, models


def forwards(apps: Any, schema_editor: Any) -> None:
    EmergencyContact = apps.get_model("organisation", "EmergencyContact")
    for contact in EmergencyContact.objects.select_related("municipality"):
        if contact.description.strip():
            language = contact.municipality.language or "nn"
            contact.descriptions = {language: contact.description.strip()}
            contact.save(update_fields=["descriptions"])


def backwards(apps: Any, schema_editor: Any) -> None:
    EmergencyContact = apps.get_model("organisation", "EmergencyContact")
    for contact in EmergencyContact.objects.select_related("municipality"):
        texts = contact.descriptions or {}
        main = contact.municipality.language or "nn"
        contact.description = (
            texts.get(main) or texts.get("nn") or texts.get("nb") or texts.get("en") or ""
        )[:300]
        contact.save(update_fields=["description"])


class Migration(migrations.Migration):
    dependencies = [("organisation", "0003_municipality_slug")]

    operations = [
        migrations.AddField(
            model_name="emergencycontact",
            name="descriptions",
            field=models.JSONField(blank=True, default=dict, verbose_name="when to call"),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.RemoveField(model_name="emergencycontact", name="description"),
    ]
