"""The starter set: one template per kind with its version 1, so a new practice has them. Only when
the practice has no document yet (an existing practice's own set is never touched). The texts are
documents/starter/*.md as they were when this ran; later changes to them are new versions."""

import hashlib
from pathlib import Path

from django.db import migrations
from django.utils import timezone

STARTER = Path(__file__).resolve().parent.parent / "starter"

# slug, kind, title, signers, required before, order
SET = [
    ("informed-consent", "treatment", "Informed consent to treatment", "each", "booking", 1),
    ("telehealth-consent", "telehealth", "Telehealth consent", "each", "video", 2),
    ("couple-confidentiality", "couple_policy", "Couple confidentiality policy", "each", "", 3),
    ("financial-policy", "financial", "Financial and cancellation policy", "one", "", 4),
    ("release-of-information", "release", "Release of information to a referrer", "each", "release", 5),
    ("privacy-notice", "privacy", "Notice of privacy practices", "each", "", 6),
]
FILES = {
    "treatment": "treatment.md",
    "telehealth": "telehealth.md",
    "couple_policy": "couple_policy.md",
    "financial": "financial.md",
    "release": "release.md",
    "privacy": "privacy.md",
}


def load(apps, schema_editor):
    Template = apps.get_model("documents", "DocumentTemplate")
    Version = apps.get_model("documents", "DocumentVersion")
    if Template.objects.exists():
        return
    now = timezone.now()
    for slug, kind, title, signers, required_before, order in SET:
        template = Template.objects.create(
            slug=slug, kind=kind, title=title, signers=signers, required_before=required_before, order=order
        )
        body = (STARTER / FILES[kind]).read_text(encoding="utf-8")
        Version.objects.create(
            template=template,
            number=1,
            body=body,
            body_sha256=hashlib.sha256(body.encode("utf-8")).hexdigest(),
            effective_date=now.date(),
            published_at=now,
        )


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
