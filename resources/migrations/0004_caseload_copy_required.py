"""The copy of the unit's primary therapist is required, and the dashboard's index starts with it.

A migration of its own: on PostgreSQL the backfill's updates leave deferred foreign-key checks
pending, and a table with pending checks cannot be altered in the same transaction."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Q


def _field():
    return models.ForeignKey(
        db_index=False,
        editable=False,
        on_delete=django.db.models.deletion.PROTECT,
        related_name="+",
        to="practice.therapist",
    )


class Migration(migrations.Migration):
    dependencies = [("resources", "0003_caseload_copy")]

    operations = [
        migrations.AlterField(model_name="assignment", name="primary_therapist", field=_field()),
        migrations.AddIndex(
            model_name="assignment",
            index=models.Index(
                condition=Q(("status", "done"), _negated=True),
                fields=["primary_therapist", "due_on", "id"],
                name="assignment_open_caseload",
            ),
        ),
    ]
