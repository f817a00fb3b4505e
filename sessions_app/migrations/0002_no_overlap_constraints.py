"""PostgreSQL refuses overlapping live sessions for a therapist, a room and a member.

Added with SQL that runs only on PostgreSQL: an ExclusionConstraint in Meta makes `migrate` fail on
SQLite ("near EXCLUDE: syntax error"). On SQLite the booking service serialises writers instead
(IMMEDIATE transactions) and checks before it inserts.
"""

from django.db import migrations

LIVE = "('booked', 'attended', 'no_show')"

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    f"""ALTER TABLE sessions_app_appointment ADD CONSTRAINT appointment_therapist_no_overlap
        EXCLUDE USING gist (therapist_id WITH =, tstzrange(start, "end", '[)') WITH &&)
        WHERE (status IN {LIVE})""",
    f"""ALTER TABLE sessions_app_appointment ADD CONSTRAINT appointment_room_no_overlap
        EXCLUDE USING gist (room_id WITH =, tstzrange(start, "end", '[)') WITH &&)
        WHERE (status IN {LIVE} AND room_id IS NOT NULL)""",
    """ALTER TABLE sessions_app_attendance ADD CONSTRAINT attendance_member_no_overlap
        EXCLUDE USING gist (member_id WITH =, tstzrange(start, "end", '[)') WITH &&)
        WHERE (live)""",
]
DROP = [
    "ALTER TABLE sessions_app_attendance DROP CONSTRAINT IF EXISTS attendance_member_no_overlap",
    "ALTER TABLE sessions_app_appointment DROP CONSTRAINT IF EXISTS appointment_room_no_overlap",
    "ALTER TABLE sessions_app_appointment DROP CONSTRAINT IF EXISTS appointment_therapist_no_overlap",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in CREATE:
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("sessions_app", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
