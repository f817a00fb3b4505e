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
    dependencies = [("measures", "0002_caseload_copy")]

    operations = [
        migrations.AlterField(model_name="measureassignment", name="primary_therapist", field=_field()),
        migrations.AlterField(model_name="measurerequest", name="primary_therapist", field=_field()),
        migrations.AlterField(model_name="measureresponse", name="primary_therapist", field=_field()),
        migrations.AddIndex(
            model_name="measurerequest",
            index=models.Index(
                condition=Q(("status", "open")),
                fields=["primary_therapist", "due_at"],
                name="measure_request_due_caseload",
            ),
        ),
        migrations.AddIndex(
            model_name="measureresponse",
            index=models.Index(fields=["primary_therapist", "-submitted_at"], name="measure_response_caseload"),
        ),
    ]
