"""Writes to the client record. Each service validates, saves named fields, and records an audit row."""

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from clients import alerts, search
from clients.models import (
    NO_SECRETS_REFUSAL,
    Addendum,
    Client,
    Concern,
    Consent,
    Goal,
    IntakeResponse,
    Member,
    MemberSearchToken,
    Note,
    NoteTemplate,
    RiskAlert,
    caseload_copies,
)
from outbox.services import notification_enqueue
from practice.audit import audit_record
from practice.models import AuditAction, Therapist, User

MEMBER_FIELDS = [
    "first_name",
    "last_name",
    "preferred_name",
    "pronouns",
    "date_of_birth",
    "email",
    "phone",
    "address",
    "emergency_contact",
    "gender_identity",
    "sexual_orientation",
    "time_zone",
    "contact_by_email",
    "contact_by_sms",
    "discreet_wording",
]
CLIENT_FIELDS = ["kind", "status", "confidentiality_policy", "self_booking"]


# --- Units and members ----------------------------------------------------------------------------


def _check_unit(client: Client, member_count: int) -> None:
    expected = 2 if client.kind == Client.Kind.COUPLE else 1
    if member_count != expected:
        raise ValidationError(_("A couple has two members and an individual one."))
    if client.kind == Client.Kind.INDIVIDUAL and client.confidentiality_policy:
        raise ValidationError({"confidentiality_policy": _("Only couples have a confidentiality policy.")})


@transaction.atomic
def client_create(
    *,
    by: User,
    primary_therapist: Therapist,
    members: list[dict],
    concerns: list[Concern] = (),
    co_therapists: list[Therapist] = (),
    **fields,
) -> Client:
    client = Client(primary_therapist=primary_therapist, **{k: fields[k] for k in CLIENT_FIELDS if k in fields})
    _check_unit(client, len(members))
    client.full_clean()
    client.save()
    client.concerns.set(concerns)
    client.co_therapists.set([t for t in co_therapists if t.pk != primary_therapist.pk])
    for position, data in enumerate(members, start=1):
        member = Member(client=client, position=position, **{k: v for k, v in data.items() if k in MEMBER_FIELDS})
        member.full_clean()
        member.save()
        _refresh_search_tokens(member)
    audit_record(actor=by, action=AuditAction.CREATE, target=client)
    return client


@transaction.atomic
def client_update(
    *,
    client: Client,
    by: User,
    concerns: list[Concern] | None = None,
    co_therapists: list[Therapist] | None = None,
    **fields,
) -> Client:
    if "kind" in fields and fields["kind"] != client.kind:
        raise ValidationError({"kind": _("A unit's kind cannot change; create a new unit instead.")})
    changed = [k for k in CLIENT_FIELDS if k in fields]
    policy_before = client.confidentiality_policy
    for name in changed:
        setattr(client, name, fields[name])
    if client.confidentiality_policy != policy_before:
        # A new version: both partners are asked to acknowledge it again (the portal asks them).
        client.policy_version += 1
        changed.append("policy_version")
    _check_unit(client, client.members.count())
    client.full_clean()
    client.save(update_fields=[*changed, "updated_at"])
    if concerns is not None:
        client.concerns.set(concerns)
    if co_therapists is not None:
        client_therapists_set(client=client, primary=client.primary_therapist, co_therapists=co_therapists, by=by)
    audit_record(actor=by, action=AuditAction.UPDATE, target=client)
    return client


CASELOAD_CHANGED = "caseload_changed"


@transaction.atomic
def client_therapists_set(*, client: Client, primary: Therapist, co_therapists, by: User) -> Client:
    """Who treats the unit: the primary therapist and co-therapists. Audited; every therapist who
    gains or loses the unit (other than the one making the change) is told, by reference only."""
    client = Client.objects.select_for_update().get(pk=client.pk)
    before = {client.primary_therapist_id, *client.co_therapists.values_list("pk", flat=True)}
    co = [t for t in co_therapists if t.pk != primary.pk]
    if client.primary_therapist_id != primary.pk:
        client.primary_therapist = primary
        client.save(update_fields=["primary_therapist", "updated_at"])
        # The rows the dashboard lists by caseload move with the unit (their copy of its therapist).
        for model in caseload_copies():
            model.objects.filter(**{model.CLIENT_PATH: client}).update(primary_therapist=primary)
    client.co_therapists.set(co)
    after = {primary.pk, *(t.pk for t in co)}
    audit_record(actor=by, action=AuditAction.UPDATE, target=client)
    changed = (before ^ after) - {getattr(getattr(by, "therapist", None), "pk", None)}
    now = timezone.now()
    for therapist in Therapist.objects.filter(pk__in=changed).select_related("user"):
        gained = therapist.pk in after
        direction = "in" if gained else "out"
        notification_enqueue(
            kind=CASELOAD_CHANGED,
            key=f"{CASELOAD_CHANGED}:{client.pk}:{therapist.pk}:{direction}:{now:%Y%m%d%H%M%S%f}",
            target=client,
            user=therapist.user,
            reference=client.reference,
            context={"gained": gained},
        )
    return client


@transaction.atomic
def member_update(*, member: Member, by: User, **fields) -> Member:
    changed = [k for k in MEMBER_FIELDS if k in fields]
    for name in changed:
        setattr(member, name, fields[name])
    member.full_clean()
    member.save(update_fields=[*changed, "updated_at"])
    _refresh_search_tokens(member)
    audit_record(actor=by, action=AuditAction.UPDATE, target=member, client_id=member.client_id)
    return member


def _refresh_search_tokens(member: Member) -> None:
    MemberSearchToken.objects.filter(member=member).delete()
    digests = search.name_digests(member.first_name, member.last_name, member.preferred_name)
    MemberSearchToken.objects.bulk_create(
        MemberSearchToken(member=member, client_id=member.client_id, digest=d) for d in sorted(digests)
    )


def search_index_rebuild() -> int:
    """Recompute every member's search tokens (after a key rotation). Returns the member count."""
    count = 0
    for member in Member.objects.iterator(chunk_size=500):
        with transaction.atomic():
            _refresh_search_tokens(member)
        count += 1
    return count


@transaction.atomic
def policy_acknowledge(*, member: Member, by: User) -> Member:
    policy = member.client.confidentiality_policy
    if not member.client.is_couple or not policy:
        raise ValidationError(_("There is no confidentiality policy to acknowledge yet."))
    member.policy_acknowledged = policy
    member.policy_acknowledged_version = member.client.policy_version
    member.policy_acknowledged_at = timezone.now()
    member.save(
        update_fields=["policy_acknowledged", "policy_acknowledged_version", "policy_acknowledged_at", "updated_at"]
    )
    audit_record(actor=by, action=AuditAction.UPDATE, target=member, client_id=member.client_id)
    return member


# --- Portal invitations ---------------------------------------------------------------------------


@transaction.atomic
def member_invite(*, member: Member, by: User, base_url: str = "") -> Member:
    """Create (or reuse) the member's portal account and queue an email with a link to set a password.

    The link is made when the email is sent (`clients.messages`), so it is fresh; `base_url` is
    kept for callers that pass the request's address, but the practice's SITE_URL is used.
    """
    if not member.email:
        raise ValidationError(_("Add an email address for this person before inviting them."))
    email = member.email.lower()
    user = member.user
    if user is None:
        if User.objects.by_address(email).exists():
            raise ValidationError(_("That email address already has an account; use another one."))
        user = User.objects.create_user(email=email, password=None, role=User.Role.CLIENT)
        member.user = user
    elif user.has_usable_password():
        raise ValidationError(_("This person has already set up their portal account."))

    member.invited_at = timezone.now()
    member.save(update_fields=["user", "invited_at", "updated_at"])
    audit_record(actor=by, action=AuditAction.CREATE, target=user, client_id=member.client_id)
    notification_enqueue(
        kind="portal_invitation",
        key=f"portal_invitation:{member.pk}:{member.invited_at.isoformat()}",
        target=member,
        member=member,
        reference=member.client.reference,
    )
    return member


def invitation_link(user: User) -> str:
    return settings.SITE_URL + reverse(
        "portal:invitation_accept",
        args=[urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)],
    )


@transaction.atomic
def invitation_accept(*, user: User, password: str) -> User:
    if user.has_usable_password():
        # The link sets a first password only; it must never bypass a second factor added later.
        raise ValidationError(_("This account already has a password."))
    user.set_password(password)
    user.save(update_fields=["password"])
    # Following the emailed link proves the address: it is the verified primary one from now on.
    EmailAddress.objects.update_or_create(user=user, email=user.email, defaults={"primary": True, "verified": True})
    audit_record(actor=user, action=AuditAction.UPDATE, target=user)
    return user


# --- Intake ---------------------------------------------------------------------------------------

INTAKE_FIELDS = [
    "concerns",
    "concerns_in_own_words",
    "hopes",
    "relationship_history",
    "sexual_history",
    "medical_conditions",
    "medications",
    "prior_therapy",
    "risk_self_harm",
    "risk_harm_to_others",
    "risk_unsafe_at_home",
    "risk_details",
]


@transaction.atomic
def intake_save(*, member: Member, by: User, submit: bool, **answers) -> IntakeResponse:
    """Save a member's answers as a draft, or submit them. Submitted answers are locked."""
    intake, _created = IntakeResponse.objects.select_for_update().get_or_create(member=member)
    if intake.status == IntakeResponse.Status.SUBMITTED:
        raise ValidationError(_("This questionnaire was already sent to your therapist."))
    changed = [k for k in INTAKE_FIELDS if k in answers]
    for name in changed:
        setattr(intake, name, answers[name])
    if submit:
        intake.status = IntakeResponse.Status.SUBMITTED
        intake.submitted_at = timezone.now()
    intake.full_clean()
    intake.save(update_fields=[*changed, "status", "submitted_at", "updated_at"])
    audit_record(actor=by, action=AuditAction.UPDATE, target=intake, client_id=member.client_id)
    if submit and intake.has_risk_answers:
        # In this transaction: the answers are never saved without their alert, nor the alert without them.
        alerts.risk_alert_raise(member=member, source=RiskAlert.Source.INTAKE, source_id=intake.pk, by=by)
    return intake


@transaction.atomic
def intake_mark_reviewed(*, intake: IntakeResponse, by: User) -> IntakeResponse:
    therapist = by.therapist
    if intake.status != IntakeResponse.Status.SUBMITTED:
        raise ValidationError(_("The questionnaire has not been submitted yet."))
    intake.reviewed_at = timezone.now()
    intake.reviewed_by = therapist
    intake.save(update_fields=["reviewed_at", "reviewed_by", "updated_at"])
    audit_record(actor=by, action=AuditAction.UPDATE, target=intake, client_id=intake.member.client_id)
    return intake


# --- Goals ----------------------------------------------------------------------------------------

GOAL_FIELDS = ["text", "status", "review_on", "shared_with_client"]


@transaction.atomic
def goal_create(*, client: Client, by: User, **fields) -> Goal:
    therapist = by.therapist
    goal = Goal(client=client, created_by=therapist, **{k: fields[k] for k in GOAL_FIELDS if k in fields})
    goal.full_clean()
    goal.save()
    audit_record(actor=by, action=AuditAction.CREATE, target=goal)
    return goal


@transaction.atomic
def goal_update(*, goal: Goal, by: User, **fields) -> Goal:
    changed = [k for k in GOAL_FIELDS if k in fields]
    for name in changed:
        setattr(goal, name, fields[name])
    if goal.status == Goal.Status.ACHIEVED and goal.completed_on is None:
        goal.completed_on = timezone.localdate()
        changed.append("completed_on")
    goal.full_clean()
    goal.save(update_fields=[*changed, "updated_at"])
    audit_record(actor=by, action=AuditAction.UPDATE, target=goal)
    return goal


# --- Notes ----------------------------------------------------------------------------------------

NOTE_FIELDS = ["kind", "template", "appointment", "session_date", "about_member", "joint_use", "body"]
NOTE_TEMPLATE_FIELDS = ["name", "note_kind", "body", "position", "active"]
NOTE_LOCKED = _("This note is signed and locked. Add an addendum instead.")


def _check_note(note: Note) -> None:
    if note.appointment_id and note.appointment.client_id != note.client_id:
        raise ValidationError({"appointment": _("Choose a session of this client.")})
    if note.about_member_id and note.about_member.client_id != note.client_id:
        raise ValidationError({"about_member": _("Choose a member of this client.")})
    if note.client.is_couple and note.about_member_id and not note.joint_use:
        raise ValidationError({"joint_use": _("Say whether this individual session may be raised in joint sessions.")})
    if not (note.client.is_couple and note.about_member_id):
        note.joint_use = ""
    if note.joint_use == Note.JointUse.KEEP_PRIVATE and note.client.confidentiality_policy == Client.Policy.NO_SECRETS:
        raise ValidationError({"joint_use": NO_SECRETS_REFUSAL})


@transaction.atomic
def note_create(*, client: Client, author: Therapist, **fields) -> Note:
    note = Note(client=client, author=author, **{k: fields[k] for k in NOTE_FIELDS if k in fields})
    _check_note(note)
    note.full_clean()
    note.save()
    audit_record(actor=author.user, action=AuditAction.CREATE, target=note)
    return note


@transaction.atomic
def note_update(*, note: Note, by: User, **fields) -> Note:
    note = Note.objects.select_for_update().get(pk=note.pk)  # a concurrent signature wins
    if note.is_signed:
        raise ValidationError(NOTE_LOCKED)
    changed = [k for k in NOTE_FIELDS if k in fields]
    for name in changed:
        setattr(note, name, fields[name])
    _check_note(note)
    note.full_clean()
    note.save(update_fields=[*{*changed, "joint_use"}, "updated_at"])
    audit_record(actor=by, action=AuditAction.UPDATE, target=note)
    return note


@transaction.atomic
def note_sign(*, note: Note, by: User) -> Note:
    therapist = by.therapist
    note = Note.objects.select_for_update().get(pk=note.pk)
    if note.is_signed:
        raise ValidationError(_("This note is already signed."))
    if note.author_id != therapist.pk:
        raise ValidationError(_("Only the note's author can sign it."))
    note.signed_at = timezone.now()
    note.save(update_fields=["signed_at", "updated_at"])
    audit_record(actor=by, action=AuditAction.UPDATE, target=note)
    return note


@transaction.atomic
def addendum_add(*, note: Note, by: User, body: str) -> Addendum:
    therapist = by.therapist
    if not note.is_signed:
        raise ValidationError(_("The note is not signed yet: edit it instead."))
    addendum = Addendum(note=note, author=therapist, body=body)
    addendum.full_clean()
    addendum.save()
    audit_record(actor=by, action=AuditAction.CREATE, target=addendum, client_id=note.client_id)
    return addendum


# --- Consents -------------------------------------------------------------------------------------


@transaction.atomic
def consent_grant(
    *,
    member: Member,
    kind: str,
    by: User,
    source: str = Consent.Source.THERAPIST,
    referrer=None,
    granted_at=None,
) -> Consent:
    live = Consent.objects.select_for_update().filter(member=member, kind=kind, referrer=referrer, revoked_at=None)
    if live.exists():
        raise ValidationError(_("This consent is already given."))
    consent = Consent(
        client_id=member.client_id,
        member=member,
        kind=kind,
        referrer=referrer,
        source=source,
        recorded_by=by,
        granted_at=granted_at or timezone.now(),
    )
    consent.full_clean()
    consent.save()
    audit_record(actor=by, action=AuditAction.CREATE, target=consent)
    return consent


@transaction.atomic
def consent_revoke(*, consent: Consent, by: User) -> Consent:
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    if consent.revoked_at is not None:
        raise ValidationError(_("This consent was already withdrawn."))
    consent.revoked_at = timezone.now()
    consent.save(update_fields=["revoked_at", "updated_at"])
    audit_record(actor=by, action=AuditAction.UPDATE, target=consent)
    return consent


def consent_is_active(*, member: Member, kind: str, referrer=None) -> bool:
    """Whether `member` has a live consent of `kind` (used by reminders and letters)."""
    return Consent.objects.filter(member=member, kind=kind, referrer=referrer, revoked_at=None).exists()


# --- Note templates (not confidential: headings only) -------------------------------------------


@transaction.atomic
def note_template_create(*, by: Therapist, **fields) -> NoteTemplate:
    template = NoteTemplate(created_by=by, **{k: fields[k] for k in NOTE_TEMPLATE_FIELDS if k in fields})
    template.full_clean()
    template.save()
    audit_record(actor=by.user, action=AuditAction.CREATE, target=template)
    return template


@transaction.atomic
def note_template_update(*, template: NoteTemplate, by: User, **fields) -> NoteTemplate:
    changed = [k for k in NOTE_TEMPLATE_FIELDS if k in fields]
    for name in changed:
        setattr(template, name, fields[name])
    template.full_clean()
    template.save(update_fields=[*changed, "updated_at"])
    audit_record(actor=by, action=AuditAction.UPDATE, target=template)
    return template
