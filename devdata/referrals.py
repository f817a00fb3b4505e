"""Demo referrals for the embedded default, called from `devdata.demo.seed_demo`. Idempotent.

Three referrers (a psychiatrist, a urologist, a minister) and three referrals: a new urgent one,
one already contacted, and one accepted into the demo couple (C-DEMCPL) with a release consent, so
the letter back to the referrer can be tried. No messages are queued: demo data sends nothing.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from clients.models import Client, Concern
from practice.models import Therapist
from referrals.models import Referral, ReferralEvent, Referrer

REFERRERS = {
    "psychiatrist": {
        "kind": Referrer.Kind.PSYCHIATRIST,
        "name": "Dr Priya Shah",
        "organisation": "Harbour Mental Health",
        "email": "priya.shah@demo-referrer.example",
        "phone": "+44 20 7946 0101",
    },
    "urologist": {
        "kind": Referrer.Kind.PHYSICIAN,
        "name": "Dr Tom Reid",
        "organisation": "Quayside Urology",
        "speciality": "Urology",
        "email": "tom.reid@demo-referrer.example",
        "phone": "+44 20 7946 0102",
    },
    "minister": {
        "kind": Referrer.Kind.CLERGY,
        "name": "Rev. Anne Clarke",
        "organisation": "St Brendan's",
        "email": "anne.clarke@demo-referrer.example",
    },
}

REFERRALS = [
    {
        "reference": "R-DEMPSY",
        "referrer": "psychiatrist",
        "kind": Referral.Kind.INDIVIDUAL,
        "first_name": "Leila",
        "last_name": "Rowe",
        "phone": "+44 7700 900201",
        "email": "leila.rowe@demo.practice",
        "urgency": Referral.Urgency.URGENT,
        "concerns": ["low-desire", "anxiety"],
        "reason": "Low desire since starting an SSRI eight months ago; anxious about the relationship. "
        "Has agreed to see a sex therapist; we are reviewing the medication in parallel.",
        "status": Referral.Status.NEW,
        "days_ago": 1,
    },
    {
        "reference": "R-DEMREV",
        "referrer": "minister",
        "kind": Referral.Kind.COUPLE,
        "first_name": "Dana",
        "last_name": "Okafor",
        "phone": "+44 7700 900202",
        "partner_first_name": "Chris",
        "partner_last_name": "Okafor",
        "preferred_contact": Referral.ContactMethod.PHONE,
        "urgency": Referral.Urgency.ROUTINE,
        "concerns": ["intimacy", "trust-commitment"],
        "reason": "Married couple who came to me for pastoral support about intimacy and trust after a "
        "difficult year. They would like specialist help.",
        "status": Referral.Status.CONTACTED,
        "days_ago": 9,
    },
    {
        "reference": "R-DEMURG",
        "referrer": "urologist",
        "kind": Referral.Kind.COUPLE,
        "first_name": "Jordan",
        "last_name": "Lee",
        "email": "client@demo.practice",
        "partner_first_name": "Casey",
        "partner_last_name": "Lee",
        "partner_email": "casey@demo.practice",
        "preferred_contact": Referral.ContactMethod.EMAIL,
        "urgency": Referral.Urgency.SOON,
        "concerns": ["arousal", "dissimilar-needs"],
        "reason": "Erectile difficulties with no physical cause found; the couple report mismatched desire.",
        "status": Referral.Status.ACCEPTED,
        "days_ago": 60,  # before their first session, seven weeks ago (devdata/demo.py)
    },
]


@transaction.atomic
def seed_referrals() -> list[Referral]:
    therapist = Therapist.objects.filter(user__email="therapist@demo.practice").select_related("user").first()
    referrers = {
        key: Referrer.objects.get_or_create(email=data["email"], defaults=data)[0] for key, data in REFERRERS.items()
    }
    seeded = []
    for spec in REFERRALS:
        spec = dict(spec)
        reference, status, days_ago = spec.pop("reference"), spec.pop("status"), spec.pop("days_ago")
        concerns, referrer = spec.pop("concerns"), referrers[spec.pop("referrer")]
        referral = Referral.objects.filter(reference=reference).first()
        if referral is None:
            referral = Referral.objects.create(
                reference=reference, referrer=referrer, consent_attested_at=timezone.now(), **spec
            )
            referral.created_at = timezone.now() - timedelta(days=days_ago)
            referral.save(update_fields=["created_at"])  # through the model: the sources counts move with it
            referral.concerns.set(Concern.objects.filter(slug__in=concerns))
            ReferralEvent.objects.create(referral=referral, action=ReferralEvent.Action.SUBMITTED)
            _advance(referral, status, therapist)
        seeded.append(referral)
    return seeded


def _advance(referral: Referral, status: str, therapist: Therapist | None) -> None:
    """Contacted the day after it came (within every urgency's default target), accepted two days later."""
    if status == Referral.Status.NEW or therapist is None:
        return
    contacted = ReferralEvent.objects.create(
        referral=referral,
        action=ReferralEvent.Action.CONTACTED,
        by=therapist.user,
        note="Spoke to them by phone; first appointment offered.",
    )
    received = Referral.objects.values_list("created_at", flat=True).get(pk=referral.pk)
    ReferralEvent.objects.filter(pk=contacted.pk).update(at=received + timedelta(days=1))
    referral.status = Referral.Status.CONTACTED
    unit = Client.objects.filter(reference="C-DEMCPL").prefetch_related("members").first()
    if status == Referral.Status.ACCEPTED and unit is not None:
        referral.status, referral.client, referral.assigned_therapist = status, unit, therapist
        accepted = ReferralEvent.objects.create(
            referral=referral, action=ReferralEvent.Action.ACCEPTED, by=therapist.user, therapist=therapist
        )
        ReferralEvent.objects.filter(pk=accepted.pk).update(at=received + timedelta(days=3))
        _release(unit.members.all()[0], referral, therapist)
    referral.save(update_fields=["status", "client", "assigned_therapist", "updated_at"])


def _release(member, referral: Referral, therapist) -> None:
    """The first partner signed (on paper) the release of information naming the referrer, so a
    letter back can be written (`documents.gates`, purpose "release")."""
    from documents.gates import current_versions
    from documents.models import DocumentTemplate, Signature

    template = DocumentTemplate.objects.filter(kind=DocumentTemplate.Kind.RELEASE, active=True).first()
    version = current_versions([template]).get(template.pk) if template else None
    if version is None:
        return
    live = Signature.objects.filter(version=version, member=member, referrer_id=referral.referrer_id, withdrawn_at=None)
    if not live.exists():
        Signature.objects.create(
            version=version,
            client_id=member.client_id,
            member=member,
            signed_name=member.full_name,
            recorded_by=therapist.user,
            method=Signature.Method.RECORDED,
            referrer_id=referral.referrer_id,
            referrer_name=referral.referrer.name,
        )
