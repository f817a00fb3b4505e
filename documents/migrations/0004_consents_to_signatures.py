"""Consents recorded the old way (one click, no text) become signatures of the starter documents.

Each `clients.Consent` of kind treatment, telehealth or release (with its referrer) becomes a
signature of the current version of the matching document, "recorded by the therapist", signed at
the time the consent was given, by the person who recorded it, in the member's full name, with no
scan; a withdrawn consent becomes a withdrawn signature. The old rows stay as they were (their
history), and each signature keeps the id of the consent it came from: the reverse deletes exactly
those signatures.

The historical models carry the real encrypted field classes (`practice.fields`), so names are
decrypted on read and `signed_name` / `referrer_name` are encrypted on write, as in the live models.
"""

from django.db import migrations

KINDS = ("treatment", "telehealth", "release")
STARTER_SLUGS = {
    "treatment": "informed-consent",
    "telehealth": "telehealth-consent",
    "release": "release-of-information",
}


def _current_versions(apps) -> dict:
    """kind -> the current version of the practice's document of that kind (the starter one first)."""
    Template = apps.get_model("documents", "DocumentTemplate")
    Version = apps.get_model("documents", "DocumentVersion")
    chosen = {}
    for kind in KINDS:
        templates = list(Template.objects.filter(kind=kind).order_by("-active", "order", "pk"))
        template = next((t for t in templates if t.slug == STARTER_SLUGS[kind]), templates[0] if templates else None)
        version = Version.objects.filter(template=template).order_by("-number").first() if template else None
        if version is not None:
            chosen[kind] = version
    return chosen


def _referrer_names(apps, ids) -> dict:
    Referrer = apps.get_model("referrals", "Referrer")
    return {
        r.pk: f"{r.name}, {r.organisation}" if r.organisation else r.name for r in Referrer.objects.filter(pk__in=ids)
    }


def consents_to_signatures(apps, schema_editor):
    Consent = apps.get_model("clients", "Consent")
    Signature = apps.get_model("documents", "Signature")
    versions = _current_versions(apps)
    consents = list(
        Consent.objects.filter(kind__in=list(versions)).select_related("member").order_by("granted_at", "pk")
    )
    names = _referrer_names(apps, {c.referrer_id for c in consents if c.referrer_id})
    already = set(
        Signature.objects.exclude(migrated_from_consent_id=None).values_list("migrated_from_consent_id", flat=True)
    )
    live = set(Signature.objects.filter(withdrawn_at=None).values_list("version_id", "member_id", "referrer_id"))
    for consent in consents:
        version = versions[consent.kind]
        key = (version.pk, consent.member_id, consent.referrer_id)
        if consent.pk in already or (consent.revoked_at is None and key in live):
            continue  # made before, or the person has since signed this version themselves
        member = consent.member
        Signature.objects.create(
            version=version,
            client_id=consent.client_id,
            member=member,
            signed_name=f"{member.first_name} {member.last_name}".strip(),
            signed_at=consent.granted_at,
            user_id=consent.recorded_by_id if consent.source == "portal" else None,
            recorded_by_id=consent.recorded_by_id,
            ip=None,
            user_agent="",
            method="recorded",
            referrer_id=consent.referrer_id,
            referrer_name=names.get(consent.referrer_id, "") if consent.referrer_id else "",
            withdrawn_at=consent.revoked_at,
            migrated_from_consent_id=consent.pk,
        )
        if consent.revoked_at is None:
            live.add(key)


def remove_migrated_signatures(apps, schema_editor):
    Signature = apps.get_model("documents", "Signature")
    Signature.objects.exclude(migrated_from_consent_id=None).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0003_signature_recorded_and_shared_files"),
        ("clients", "0010_concerns_as_digests"),
        ("referrals", "0005_concerns_as_digests"),
    ]

    operations = [migrations.RunPython(consents_to_signatures, remove_migrated_signatures)]
