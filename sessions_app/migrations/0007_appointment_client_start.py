"""A unit's sessions by start: the index that serves every read by unit (it replaces the foreign key's
own), and the dashboard's "last session before" in one step."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0017_client_caseload_index"),
        ("practice", "0018_audit_actions_merged"),
        ("sessions_app", "0006_appointment_sequence_appointment_video_room_and_more"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="appointment",
            index=models.Index(fields=["client", "start"], name="appointment_client_start"),
        ),
        migrations.AlterField(
            model_name="appointment",
            name="client",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="appointments",
                to="clients.client",
            ),
        ),
    ]
