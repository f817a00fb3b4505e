"""On PostgreSQL the database itself refuses UPDATE and DELETE on the audit trail.

SQLite has no equivalent that is worth its complexity; there the model and queryset refuse.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION practice_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'practice_auditevent is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER practice_auditevent_append_only
    BEFORE UPDATE OR DELETE ON practice_auditevent
    FOR EACH ROW EXECUTE FUNCTION practice_audit_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS practice_auditevent_append_only ON practice_auditevent;
DROP FUNCTION IF EXISTS practice_audit_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("practice", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
