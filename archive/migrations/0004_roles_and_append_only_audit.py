"""The three role groups, and triggers that make the audit table append-only."""

from django.db import migrations

ROLES = ("archivist", "lawyer", "researcher")

POSTGRES_UP = """
CREATE OR REPLACE FUNCTION archive_auditentry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit entries are append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER archive_auditentry_no_update BEFORE UPDATE OR DELETE ON archive_auditentry
    FOR EACH ROW EXECUTE FUNCTION archive_auditentry_append_only();
CREATE TRIGGER archive_auditentry_no_truncate BEFORE TRUNCATE ON archive_auditentry
    FOR EACH STATEMENT EXECUTE FUNCTION archive_auditentry_append_only();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS archive_auditentry_no_truncate ON archive_auditentry;
DROP TRIGGER IF EXISTS archive_auditentry_no_update ON archive_auditentry;
DROP FUNCTION IF EXISTS archive_auditentry_append_only();
"""
SQLITE_UP = [
    """CREATE TRIGGER archive_auditentry_no_update BEFORE UPDATE ON archive_auditentry
       BEGIN SELECT RAISE(ABORT, 'audit entries are append-only (UPDATE refused)'); END""",
    """CREATE TRIGGER archive_auditentry_no_delete BEFORE DELETE ON archive_auditentry
       BEGIN SELECT RAISE(ABORT, 'audit entries are append-only (DELETE refused)'); END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS archive_auditentry_no_update",
    "DROP TRIGGER IF EXISTS archive_auditentry_no_delete",
]


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


def triggers_up(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_UP, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_UP:
            schema_editor.execute(statement)


def triggers_down(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_DOWN:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0003_access_and_audit"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunPython(create_roles, migrations.RunPython.noop),
        migrations.RunPython(triggers_up, triggers_down),
    ]
