"""On PostgreSQL, refuse UPDATE and DELETE on the access log at the database itself."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION stafett_access_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'The access log is append-only: %% refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS stafett_access_log_append_only ON audit_accesslogentry;
CREATE TRIGGER stafett_access_log_append_only
    BEFORE UPDATE OR DELETE ON audit_accesslogentry
    FOR EACH ROW EXECUTE FUNCTION stafett_access_log_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS stafett_access_log_append_only ON audit_accesslogentry;
DROP FUNCTION IF EXISTS stafett_access_log_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
