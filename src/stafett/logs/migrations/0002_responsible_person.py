"""A measure's responsible is a person (the coordinator or a participant), not a
participation: the coordinator can be responsible too."""

from typing import Any

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def participant_to_person(apps: Any, schema_editor: Any) -> None:
    EntryVersion = apps.get_model("logs", "EntryVersion")
    for version in EntryVersion.objects.filter(responsible__isnull=False).select_related(
        "responsible"
    ):
        version.responsible_person_id = version.responsible.user_id
        version.responsible_unit_id = version.responsible.unit_id
        version.save(update_fields=["responsible_person", "responsible_unit"])


class Migration(migrations.Migration):
    dependencies = [
        ("logs", "0001_initial"),
        ("organisation", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="entryversion",
            name="responsible_person",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="responsible",
            ),
        ),
        migrations.AddField(
            model_name="entryversion",
            name="responsible_unit",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="organisation.unit",
            ),
        ),
        migrations.RunPython(participant_to_person, migrations.RunPython.noop),
        migrations.RemoveField(model_name="entryversion", name="responsible"),
        migrations.RenameField(
            model_name="entryversion", old_name="responsible_person", new_name="responsible"
        ),
    ]
