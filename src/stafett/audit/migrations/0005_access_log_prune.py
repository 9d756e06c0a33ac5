"""Pruning the access log's oldest rows under the municipality's retention rule.

On PostgreSQL the row trigger of migration 0002 now lets a DELETE through when the
setting `stafett.access_log_pruning` is 'on'. Only `stafett_access_log_prune()` sets it
(its own SET clause, for the length of the call): a SECURITY DEFINER function that runs
as the tables' owner, removes a prefix of one chain named by a prune record, and refuses
rows younger than twelve months by the database's own clock. The setting is no secret
(any role may set it), so it is not what keeps the application out: the application's
role has no DELETE right on the log (`manage.py access_log_grants`) and may only EXECUTE
the function. The prune records' table is append-only like the log. The function's
search_path is fixed, with pg_temp last, so that a caller's temporary tables cannot
stand in for the real ones.
"""

from django.db import migrations, models

TRIGGERS = """
CREATE OR REPLACE FUNCTION stafett_access_log_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('stafett.access_log_pruning', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'The access log is append-only: %% refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER stafett_access_log_append_only
    BEFORE UPDATE OR DELETE ON audit_accesslogprune
    FOR EACH ROW EXECUTE FUNCTION stafett_access_log_append_only();
CREATE TRIGGER stafett_access_log_no_truncate
    BEFORE TRUNCATE ON audit_accesslogprune
    FOR EACH STATEMENT EXECUTE FUNCTION stafett_access_log_no_truncate();

CREATE OR REPLACE FUNCTION stafett_access_log_prune(p_chain bigint, p_upto bigint)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
SET stafett.access_log_pruning = 'on'
AS $$
DECLARE
    rec audit_accesslogprune%%ROWTYPE;
    removed bigint;
BEGIN
    SELECT * INTO rec FROM audit_accesslogprune
        WHERE chain = p_chain AND upto_seq = p_upto ORDER BY id DESC LIMIT 1;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'No prune record for chain %% up to seq %%', p_chain, p_upto;
    END IF;
    IF rec.cutoff > now() - interval '12 months' + interval '1 day' THEN
        RAISE EXCEPTION 'The access log is kept at least twelve months';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM audit_accesslogseal
                   WHERE chain = p_chain AND seq = p_upto AND mac = rec.upto_mac) THEN
        RAISE EXCEPTION 'The prune record does not name the row at seq %%', p_upto;
    END IF;
    IF EXISTS (SELECT 1 FROM audit_accesslogseal s
               JOIN audit_accesslogentry e ON e.id = s.entry_id
               WHERE s.chain = p_chain AND s.seq <= p_upto
                 AND (e.at >= rec.cutoff OR e.chain <> p_chain)) THEN
        RAISE EXCEPTION 'Rows up to seq %% are not all past their period', p_upto;
    END IF;
    WITH gone AS (
        DELETE FROM audit_accesslogseal WHERE chain = p_chain AND seq <= p_upto
        RETURNING entry_id
    )
    DELETE FROM audit_accesslogentry WHERE id IN (SELECT entry_id FROM gone);
    GET DIAGNOSTICS removed = ROW_COUNT;
    IF removed <> rec.count THEN
        RAISE EXCEPTION 'The prune record counts %% rows; %% would go', rec.count, removed;
    END IF;
    RETURN removed;
END;
$$;
REVOKE ALL ON FUNCTION stafett_access_log_prune(bigint, bigint) FROM PUBLIC;
"""

DROP = """
DROP FUNCTION IF EXISTS stafett_access_log_prune(bigint, bigint);
DROP TRIGGER IF EXISTS stafett_access_log_no_truncate ON audit_accesslogprune;
DROP TRIGGER IF EXISTS stafett_access_log_append_only ON audit_accesslogprune;
CREATE OR REPLACE FUNCTION stafett_access_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'The access log is append-only: %% refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRIGGERS)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0004_access_log_seal'),
    ]

    operations = [
        migrations.CreateModel(
            name='AccessLogPrune',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('uuid', models.UUIDField(editable=False, unique=True)),
                ('chain', models.BigIntegerField(editable=False)),
                ('upto_seq', models.BigIntegerField(editable=False)),
                ('upto_entry_id', models.BigIntegerField(editable=False)),
                ('upto_mac', models.CharField(editable=False, max_length=64)),
                ('count', models.BigIntegerField(editable=False)),
                ('from_at', models.DateTimeField(editable=False)),
                ('to_at', models.DateTimeField(editable=False)),
                ('cutoff', models.DateTimeField(editable=False)),
                ('pruned_at', models.DateTimeField(editable=False)),
                ('rule', models.CharField(editable=False, max_length=40)),
                ('period_months', models.PositiveSmallIntegerField(editable=False)),
                ('record_entry_id', models.BigIntegerField(editable=False)),
                ('signature', models.CharField(editable=False, max_length=64)),
            ],
            options={
                'indexes': [models.Index(fields=['chain', 'upto_seq'], name='access_prune_chain_seq')],
            },
        ),
        migrations.RunPython(forwards, backwards),
    ]
