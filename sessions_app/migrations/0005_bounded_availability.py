"""Availability reads a bounded slice of history: sessions last at most a day, time off is read from
its end.

The length limit is a CHECK constraint on PostgreSQL only, added with SQL like the exclusion
constraints of 0002 (which this leaves alone). In Meta it would be compiled for SQLite with a
function only Django's connections have, so `PRAGMA quick_check` (run before a restore) fails on a
plain `sqlite3` connection; there `Appointment.clean()` is the check.
"""

from django.db import migrations, models

CHECK = "appointment_at_most_a_day"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # 24 hours, not 1 day: a day added to a timestamptz depends on the session's time zone.
        schema_editor.execute(
            f"""ALTER TABLE sessions_app_appointment ADD CONSTRAINT {CHECK}
                CHECK ("end" <= start + interval '24 hours')"""
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE sessions_app_appointment DROP CONSTRAINT IF EXISTS {CHECK}")


class Migration(migrations.Migration):
    dependencies = [
        ("practice", "0004_notification_context"),
        ("sessions_app", "0004_admin_names"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="timeoff",
            index=models.Index(fields=["therapist", "end"], name="sessions_ap_therapi_bf86c1_idx"),
        ),
        migrations.RunPython(forwards, backwards),
    ]
