"""Seals: the access log's chain moves into its own append-only table (issue 10, 9–11).

Rows already written keep their plain SHA-256 link: each gets a version 1 seal that
copies it, in id order (the order they were chained in), so the keyed (version 2)
chain continues from the last of them. On PostgreSQL the seal table refuses UPDATE
and DELETE like the log itself, and both refuse TRUNCATE (a statement trigger).
"""

import django.db.models.deletion
from django.db import migrations, models


LEGACY_SEALS = """
INSERT INTO audit_accesslogseal (entry_id, chain, seq, version, prev_mac, mac, sealed_at)
SELECT id, chain, ROW_NUMBER() OVER (PARTITION BY chain ORDER BY id), 1, prev_hash, hash, at
FROM audit_accesslogentry
WHERE hash <> ''
"""

# UPDATE and DELETE: migration 0002's function. TRUNCATE: its own function, which lets
# a superuser who asks for it by name empty a test database (Django's test runner
# flushes with TRUNCATE between browser tests); superusers can switch triggers off
# anyway, so this lets nobody do what they could not do before.
TRIGGERS = """
CREATE OR REPLACE FUNCTION stafett_access_log_no_truncate() RETURNS trigger AS $$
BEGIN
    IF current_setting('stafett.flush_test_database', true) = 'on'
       AND (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'The access log is append-only: %% refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS stafett_access_log_append_only ON audit_accesslogseal;
CREATE TRIGGER stafett_access_log_append_only
    BEFORE UPDATE OR DELETE ON audit_accesslogseal
    FOR EACH ROW EXECUTE FUNCTION stafett_access_log_append_only();
DROP TRIGGER IF EXISTS stafett_access_log_no_truncate ON audit_accesslogentry;
CREATE TRIGGER stafett_access_log_no_truncate
    BEFORE TRUNCATE ON audit_accesslogentry
    FOR EACH STATEMENT EXECUTE FUNCTION stafett_access_log_no_truncate();
DROP TRIGGER IF EXISTS stafett_access_log_no_truncate ON audit_accesslogseal;
CREATE TRIGGER stafett_access_log_no_truncate
    BEFORE TRUNCATE ON audit_accesslogseal
    FOR EACH STATEMENT EXECUTE FUNCTION stafett_access_log_no_truncate();
"""

DROP_TRIGGERS = """
DROP TRIGGER IF EXISTS stafett_access_log_no_truncate ON audit_accesslogseal;
DROP TRIGGER IF EXISTS stafett_access_log_no_truncate ON audit_accesslogentry;
DROP TRIGGER IF EXISTS stafett_access_log_append_only ON audit_accesslogseal;
DROP FUNCTION IF EXISTS stafett_access_log_no_truncate();
"""


def seal_legacy_rows(apps, schema_editor):
    schema_editor.execute(LEGACY_SEALS)


def add_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRIGGERS)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_TRIGGERS)


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0003_family_portal'),
    ]

    operations = [
        migrations.CreateModel(
            name='AccessLogPending',
            fields=[
                ('entry', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='+', serialize=False, to='audit.accesslogentry')),
                ('chain', models.BigIntegerField(db_index=True)),
            ],
        ),
        migrations.CreateModel(
            name='AccessLogSeal',
            fields=[
                ('entry', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, primary_key=True, related_name='seal', serialize=False, to='audit.accesslogentry')),
                ('chain', models.BigIntegerField(editable=False)),
                ('seq', models.BigIntegerField(editable=False)),
                ('version', models.PositiveSmallIntegerField(choices=[(1, 'SHA-256 (before keyed sealing)'), (2, 'HMAC-SHA256')], editable=False)),
                ('prev_mac', models.CharField(editable=False, max_length=64)),
                ('mac', models.CharField(editable=False, max_length=64)),
                ('sealed_at', models.DateTimeField(editable=False)),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('chain', 'seq'), name='access_seal_chain_seq')],
            },
        ),
        migrations.RunPython(seal_legacy_rows, migrations.RunPython.noop),
        migrations.RunPython(add_triggers, drop_triggers),
    ]
