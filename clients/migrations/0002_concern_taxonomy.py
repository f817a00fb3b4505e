"""The practice's concern taxonomy. The larger life issues mark a unit for intensive therapy."""

from django.db import migrations

# (slug, name, group, intensive)
CONCERNS = [
    ("low-desire", "Low or mismatched desire", "sexual", False),
    ("arousal", "Arousal difficulties", "sexual", False),
    ("orgasm", "Orgasm difficulties", "sexual", False),
    ("sexual-pain", "Sexual pain", "sexual", False),
    ("intimacy", "Intimacy", "relationship", False),
    ("trust-commitment", "Trust and commitment", "relationship", False),
    ("dissimilar-needs", "Dissimilar sexual needs", "relationship", False),
    ("gender-identity", "Gender identity", "identity", False),
    ("sexual-orientation", "Sexual orientation", "identity", False),
    ("medical", "Medical conditions and medications", "medical", False),
    ("compulsive-behaviour", "Compulsive sexual behaviour", "behaviour", False),
    ("trauma-abuse", "Sexual trauma or abuse", "mental_health", True),
    ("depression", "Depression", "mental_health", True),
    ("anxiety", "Anxiety", "mental_health", True),
    ("substance-use", "Substance use", "mental_health", True),
    ("personality-disorder", "Personality disorders", "mental_health", True),
]


def load(apps, schema_editor):
    Concern = apps.get_model("clients", "Concern")
    for order, (slug, name, group, intensive) in enumerate(CONCERNS, start=1):
        Concern.objects.update_or_create(
            slug=slug, defaults={"name": name, "group": group, "intensive": intensive, "order": order}
        )


def unload(apps, schema_editor):
    apps.get_model("clients", "Concern").objects.filter(slug__in=[c[0] for c in CONCERNS]).delete()


class Migration(migrations.Migration):
    dependencies = [("clients", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
