"""The starter note templates: SOAP, DAP, BIRP and a free note. Headings only, nothing clinical.

The practice renames, reorders or retires them in the admin and adds its own in the app.
"""

from django.db import migrations

# (name, position, body)
TEMPLATES = [
    (
        "SOAP",
        10,
        "Subjective:\n\n\nObjective:\n\n\nAssessment:\n\n\nPlan:\n",
    ),
    (
        "DAP",
        20,
        "Data:\n\n\nAssessment:\n\n\nPlan:\n",
    ),
    (
        "BIRP",
        30,
        "Behaviour:\n\n\nIntervention:\n\n\nResponse:\n\n\nPlan:\n",
    ),
    ("Free note", 40, ""),
]


def load(apps, schema_editor):
    NoteTemplate = apps.get_model("clients", "NoteTemplate")
    for name, position, body in TEMPLATES:
        NoteTemplate.objects.get_or_create(name=name, defaults={"position": position, "body": body})


def unload(apps, schema_editor):
    apps.get_model("clients", "NoteTemplate").objects.filter(
        name__in=[t[0] for t in TEMPLATES], created_by__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("clients", "0015_note_templates")]

    operations = [migrations.RunPython(load, unload)]
