"""Each listed row carries a copy of its unit's primary therapist (clients.models.CaseloadCopy), filled
from the units here; the next migration makes it required and adds the dashboard's index."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def _field(null):
    return models.ForeignKey(
        db_index=False,
        editable=False,
        null=null,
        on_delete=django.db.models.deletion.PROTECT,
        related_name="+",
        to="practice.therapist",
    )


def _unit_therapist(apps, path="client_id"):
    Client = apps.get_model("clients", "Client")
    return Subquery(Client.objects.filter(pk=OuterRef(path)).values("primary_therapist_id")[:1])


def backfill(apps, schema_editor):
    apps.get_model("messaging", "Thread").objects.update(primary_therapist_id=_unit_therapist(apps))


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0001_initial"),
        ("clients", "0017_client_caseload_index"),
        ("practice", "0018_audit_actions_merged"),
    ]

    operations = [
        migrations.AddField(model_name="thread", name="primary_therapist", field=_field(null=True)),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
