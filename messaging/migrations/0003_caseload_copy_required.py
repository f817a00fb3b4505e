"""The copy of the unit's primary therapist is required, and the dashboard's index starts with it.

A migration of its own: on PostgreSQL the backfill's updates leave deferred foreign-key checks
pending, and a table with pending checks cannot be altered in the same transaction."""

import django.db.models.deletion
from django.db import migrations, models


def _field():
    return models.ForeignKey(
        db_index=False,
        editable=False,
        on_delete=django.db.models.deletion.PROTECT,
        related_name="+",
        to="practice.therapist",
    )


class Migration(migrations.Migration):
    dependencies = [("messaging", "0002_caseload_copy")]

    operations = [
        migrations.AlterField(model_name="thread", name="primary_therapist", field=_field()),
        migrations.AddIndex(
            model_name="thread",
            index=models.Index(fields=["primary_therapist", "last_message_at"], name="thread_caseload"),
        ),
    ]
