import django.db.models.deletion
from django.db import migrations, models


def record_share_units(apps, schema_editor):
    """Existing shares get the unit they were made in: the concern's unit when the person
    ever worked there (always for the unit's leader), else the unit they work in now (or
    last worked in). A share whose person never worked anywhere keeps no unit: it no
    longer gives access."""
    ConcernShare = apps.get_model("concerns", "ConcernShare")
    Membership = apps.get_model("organisation", "Membership")
    for share in ConcernShare.objects.select_related("concern").filter(unit__isnull=True):
        mine = Membership.objects.filter(user_id=share.user_id)
        if mine.filter(unit_id=share.concern.unit_id).exists():
            unit_id = share.concern.unit_id
        else:
            row = (
                mine.filter(ended_at__isnull=True).order_by("-started_at", "-id").first()
                or mine.order_by("-ended_at", "-id").first()
            )
            unit_id = row.unit_id if row is not None else None
        if unit_id is not None:
            ConcernShare.objects.filter(pk=share.pk).update(unit_id=unit_id)


class Migration(migrations.Migration):
    dependencies = [
        ("concerns", "0003_what_the_family_reads_is_chosen"),
        ("organisation", "0002_renew_consent_on_handover"),
    ]

    operations = [
        migrations.AddField(
            model_name="concernshare",
            name="ended_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="concernshare",
            name="unit",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="organisation.unit",
            ),
        ),
        migrations.RunPython(record_share_units, migrations.RunPython.noop),
    ]
