"""The worry scale's anchor texts move from two columns (nynorsk, bokmål) to one text per
language code, so English and further languages can be written. No text is lost: each
band's nynorsk and bokmål are copied across, and back again on reversal."""

from typing import Any

from django.db import migrations, models


def forwards(apps: Any, schema_editor: Any) -> None:
    WorryBand = apps.get_model("concerns", "WorryBand")
    for band in WorryBand.objects.all():
        band.texts = {
            code: value.strip()
            for code, value in (("nn", band.text_nn), ("nb", band.text_nb))
            if value.strip()
        }
        band.save(update_fields=["texts"])


def backwards(apps: Any, schema_editor: Any) -> None:
    WorryBand = apps.get_model("concerns", "WorryBand")
    for band in WorryBand.objects.all():
        texts = band.texts or {}
        band.text_nn = (texts.get("nn") or texts.get("nb") or texts.get("en") or "")[:300]
        band.text_nb = (texts.get("nb") or texts.get("nn") or texts.get("en") or "")[:300]
        band.save(update_fields=["text_nn", "text_nb"])


class Migration(migrations.Migration):
    dependencies = [("concerns", "0006_attach_to_an_existing_log")]

    operations = [
        migrations.AddField(
            model_name="worryband",
            name="texts",
            field=models.JSONField(blank=True, default=dict, verbose_name="texts by language"),
        ),
        migrations.RunPython(forwards, backwards),
        # A default, so that reversing the removal can add the columns back to rows that
        # exist; `backwards` then fills them.
        migrations.AlterField(
            model_name="worryband",
            name="text_nn",
            field=models.CharField(default="", max_length=300, verbose_name="text in nynorsk"),
        ),
        migrations.AlterField(
            model_name="worryband",
            name="text_nb",
            field=models.CharField(default="", max_length=300, verbose_name="text in bokmål"),
        ),
        migrations.RemoveField(model_name="worryband", name="text_nn"),
        migrations.RemoveField(model_name="worryband", name="text_nb"),
    ]
