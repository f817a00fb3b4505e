"""The starter set of services with default fees in GBP (edited in the admin; a fee change is a new
effective-dated `Fee`, so what was charged before keeps its amount)."""

from decimal import Decimal

from django.db import migrations

STARTER = [
    ("90791", "Psychiatric diagnostic evaluation (intake)", "cpt", "150.00", 60),
    ("90832", "Individual psychotherapy, 30 minutes", "cpt", "60.00", 30),
    ("90834", "Individual psychotherapy, 45 minutes", "cpt", "90.00", 45),
    ("90837", "Individual psychotherapy, 60 minutes", "cpt", "110.00", 60),
    ("90847", "Couple or family psychotherapy, with the client present", "cpt", "130.00", 60),
    ("90846", "Couple or family psychotherapy, without the client present", "cpt", "120.00", 50),
    ("90853", "Group psychotherapy", "cpt", "45.00", 90),
    ("WORKSHOP", "Workshop fee", "practice", "60.00", None),
    ("LATE-CANCEL", "Late-cancellation fee", "practice", "55.00", None),
    ("NO-SHOW", "No-show fee", "practice", "75.00", None),
]


def load(apps, schema_editor):
    Service = apps.get_model("billing", "Service")
    for code, name, kind, fee, minutes in STARTER:
        Service.objects.get_or_create(
            code=code, defaults={"name": name, "kind": kind, "default_fee": Decimal(fee), "minutes": minutes}
        )


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
