"""Writes for referrals: the public submission, the triage actions, and letters back to the referrer.

Every change records a `ReferralEvent` (who and when, with an encrypted note) and an audit row
(ids only). Every message is queued in the outbox inside the same transaction as the change, so a
referral that did not save sends nothing, and a referral that saved cannot lose its messages.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from clients import services as client_services
from clients.models import Client, Concern
from outbox import services as outbox
from practice.audit import audit_record
from practice.models import AuditAction, Therapist, User
from referrals import selectors
from referrals.models import Referral, ReferralEvent, ReferralLetter, Referrer

REFERRER_FIELDS = ["kind", "name", "organisation", "speciality", "phone"]
REFERRAL_FIELDS = [
    "kind",
    "first_name",
    "last_name",
    "email",
    "phone",
    "partner_first_name",
    "partner_last_name",
    "partner_email",
    "partner_phone",
    "preferred_contact",
    "contact_notes",
    "reason",
    "urgency",
    "preferred_therapist",
]
# Foreign keys `referral_submit` is given as loaded rows (the referrer just read or saved, the form's
# chosen therapist); the database still enforces them.
LOADED_FKS = ["referrer", "preferred_therapist"]
NOT_OPEN = _("This referral was already closed (%(status)s).")


# --- The public form ------------------------------------------------------------------------------


@transaction.atomic
def referral_submit(*, referrer: dict, concerns: list[Concern] = (), **fields) -> Referral:
    """Save a referral from the public form and queue the acknowledgement and the staff notices."""
    who = referrer_recognise(**referrer)
    claimed = {k: str(referrer.get(k, "") or "").strip() for k in REFERRER_FIELDS}
    referral = Referral(
        referrer=who,
        referrer_claimed=claimed,
        consent_attested_at=timezone.now(),
        **{k: fields[k] for k in REFERRAL_FIELDS if k in fields},
    )
    if not referral.is_couple:
        referral.partner_first_name = referral.partner_last_name = ""
        referral.partner_email = referral.partner_phone = ""
    referral.full_clean(exclude=LOADED_FKS)  # given as loaded rows: no query to check that they exist
    referral.save()
    referral.concerns.add_to_new(*concerns)  # a new row has none to compare with: one insert, no read
    ReferralEvent.objects.create(referral=referral, action=ReferralEvent.Action.SUBMITTED)
    audit_record(actor=None, action=AuditAction.CREATE, target=referral)
    _queue_submission_messages(referral)
    return referral


def referrer_recognise(*, email: str, **details) -> Referrer:
    """The referrer with this email (any case), or a new one.

    A returning referrer's stored details are never changed from a public form (anyone may type
    anyone's address): what was typed is kept on the referral and shown beside the record in triage.
    Two first referrals at once: the unique index decides.
    """
    email = email.strip().lower()
    existing = Referrer.objects.select_for_update().filter(email__iexact=email).first()
    if existing is None:
        candidate = Referrer(email=email, **{k: details.get(k, "") for k in REFERRER_FIELDS})
        candidate.full_clean(validate_unique=False, validate_constraints=False)  # checked just above
        try:
            with transaction.atomic():
                candidate.save()
            return candidate
        except IntegrityError:
            existing = Referrer.objects.select_for_update().get(email__iexact=email)
    return existing


def _queue_submission_messages(referral: Referral) -> None:
    """The acknowledgement and one notice per therapist and staff user: one read, one insert, however
    many recipients. Keys already queued are left alone, so calling it twice queues nothing more."""
    acknowledgement = {
        "kind": "referral_acknowledgement",
        "key": f"referral_acknowledgement:{referral.pk}",
        "target": referral,
        "address": referral.referrer.email,
        "reference": referral.reference,
    }
    notices = [
        {
            "kind": "referral_notice",
            "key": f"referral_notice:{referral.pk}:{user.pk}",
            "target": referral,
            "user": user,
            "reference": referral.reference,
        }
        for user in selectors.triage_recipients().only("pk")
    ]
    outbox.notification_enqueue_many([acknowledgement, *notices])


# --- Triage ---------------------------------------------------------------------------------------


def _lock(referral: Referral) -> Referral:
    return Referral.objects.select_for_update().select_related("referrer").get(pk=referral.pk)


def _record(referral: Referral, *, by: User, action: str, note: str = "", therapist=None) -> ReferralEvent:
    event = ReferralEvent(referral=referral, action=action, by=by, note=note, therapist=therapist)
    event.full_clean()
    event.save()
    audit_record(actor=by, action=AuditAction.UPDATE, target=referral)
    return event


def _move(referral: Referral, *, by: User, to: str, note: str = "", keep_note: bool = False) -> Referral:
    referral = _lock(referral)
    if not referral.is_open:
        raise ValidationError(NOT_OPEN % {"status": referral.get_status_display().lower()})
    referral.status = to
    fields = ["status", "updated_at"]
    if keep_note:
        referral.decision_note = note
        fields.append("decision_note")
    referral.full_clean()
    referral.save(update_fields=fields)
    _record(referral, by=by, action=to, note=note)
    return referral


@transaction.atomic
def referral_mark_contacted(*, referral: Referral, by: User, note: str = "") -> Referral:
    return _move(referral, by=by, to=Referral.Status.CONTACTED, note=note)


@transaction.atomic
def referral_waitlist(*, referral: Referral, by: User, note: str = "") -> Referral:
    return _move(referral, by=by, to=Referral.Status.WAITLISTED, note=note, keep_note=True)


@transaction.atomic
def referral_decline(*, referral: Referral, by: User, reason: str) -> Referral:
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the referral is declined.")})
    return _move(referral, by=by, to=Referral.Status.DECLINED, note=reason, keep_note=True)


@transaction.atomic
def referral_refer_on(*, referral: Referral, by: User, note: str) -> Referral:
    if not note.strip():
        raise ValidationError({"note": _("Name the provider the person was referred on to.")})
    return _move(referral, by=by, to=Referral.Status.REFERRED_ON, note=note, keep_note=True)


@transaction.atomic
def referral_accept(*, referral: Referral, by: User, therapist: Therapist, base_url: str) -> tuple[Referral, list[str]]:
    """Turn the referral into a client unit with its members, assign the therapist, invite members.

    The referral row is locked first and its status checked, so accepting twice (two tabs, two
    people) creates one unit. Returns the referral and the invitations that could not be sent.
    """
    referral = _lock(referral)
    if referral.client_id is not None or not referral.is_open:
        raise ValidationError(NOT_OPEN % {"status": referral.get_status_display().lower()})
    client = client_services.client_create(
        by=by,
        primary_therapist=therapist,
        members=referral.members_data(),
        concerns=referral.concerns.list(),
        kind=referral.kind,
        status=Client.Status.PROSPECTIVE,
    )
    referral.status = Referral.Status.ACCEPTED
    referral.client = client
    referral.assigned_therapist = therapist
    referral.save(update_fields=["status", "client", "assigned_therapist", "updated_at"])
    _record(referral, by=by, action=ReferralEvent.Action.ACCEPTED, therapist=therapist)
    problems = []
    for member in client.members.order_by("position"):
        if not member.email:
            continue
        try:
            client_services.member_invite(member=member, by=by, base_url=base_url)
        except ValidationError as error:
            problems.append(f"{member.display_name}: {' '.join(error.messages)}")
    return referral, problems


# --- Letters back to the referrer -----------------------------------------------------------------


def letter_draft(*, referral: Referral, kind: str, therapist: Therapist | None = None) -> str:
    """The letter's starting text, from `templates/referrals/letters/<kind>.txt`."""
    context = {
        "referral": referral,
        "referrer": referral.referrer,
        "therapist": therapist,
        "practice_name": settings.PRACTICE_NAME,
        "today": timezone.localdate(),
    }
    return render_to_string(f"referrals/letters/{kind}.txt", context).strip() + "\n"


def letter_kinds(referral: Referral) -> list[tuple[str, str]]:
    """The letters this referrer may receive: clergy only the non-clinical acknowledgement."""
    if referral.referrer.is_clergy:
        return [(ReferralLetter.Kind.ACKNOWLEDGEMENT, ReferralLetter.Kind.ACKNOWLEDGEMENT.label)]
    return [(k, k.label) for k in ReferralLetter.CLINICAL_KINDS]


NO_RELEASE = _("No letter may go to %(name)s: nobody in this unit has signed a release of information naming them.")
RELEASE_HOW = _(
    "They can sign it in their portal under Documents, or you can record a signed paper copy on the client's "
    "documents page."
)
PARTIAL_RELEASE = _(
    "Only %(names)s released information to this referrer: confirm that the letter speaks of them alone."
)


@transaction.atomic
def letter_send(
    *, referral: Referral, by: User, kind: str, body: str, token: str, speaks_of_released_only: bool = False
) -> ReferralLetter:
    """Store the letter (encrypted) and queue it. Only under a signed release of information naming
    this referrer (`documents.gates`, purpose "release"); the refusal says who has not signed it.

    Clergy get the fixed non-clinical acknowledgement whatever was typed. The same `token` twice
    (a double submit) returns the first letter. For a couple where only one partner released
    information, the therapist confirms that the letter speaks of that partner alone; the letter
    is then sent only while that partner's release is live (`selectors.letter_still_allowed`).
    """
    therapist = by.therapist
    referral = _lock(referral)
    missing = selectors.release_missing(referral)
    if missing:
        raise ValidationError(
            [NO_RELEASE % {"name": referral.referrer.name}, *missing, RELEASE_HOW], code="release_missing"
        )
    key = f"{referral.pk}:{token}"
    existing = ReferralLetter.objects.filter(key=key).first()
    if existing is not None:
        return existing
    if referral.referrer.is_clergy:
        kind = ReferralLetter.Kind.ACKNOWLEDGEMENT
        body = letter_draft(referral=referral, kind=kind, therapist=therapist)
    elif kind not in ReferralLetter.CLINICAL_KINDS:
        raise ValidationError({"kind": _("Choose one of the letters offered.")})
    released, members = selectors.released_members(referral)
    about_member = None
    if len(released) < len(members):
        if not speaks_of_released_only:
            names = ", ".join(m.display_name for m in released)
            raise ValidationError({"speaks_of_released_only": PARTIAL_RELEASE % {"names": names}})
        about_member = released[0]
    letter = ReferralLetter(referral=referral, kind=kind, body=body, sent_by=by, key=key, about_member=about_member)
    letter.full_clean()
    letter.save()
    ReferralEvent.objects.create(referral=referral, action=ReferralEvent.Action.LETTER_SENT, by=by)
    audit_record(actor=by, action=AuditAction.CREATE, target=letter, client_id=referral.client_id)
    outbox.notification_enqueue(
        kind="referral_letter",
        key=f"referral_letter:{letter.pk}",
        target=letter,
        address=referral.referrer.email,
        reference=referral.reference,
    )
    return letter
