"""Writes for consent documents: publish a version, sign, record a paper copy, withdraw, request.

Keyword-only, atomic, audited. A refusal is a ValidationError whose words are safe to show the
person (they never hold what was typed).
"""

import unicodedata
from datetime import date, datetime, time

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients import services as client_services
from clients.models import Client, Consent, Member
from documents import messages
from documents.gates import current_versions
from documents.models import DocumentTemplate, DocumentVersion, SharedFile, Signature
from outbox import services as outbox
from outbox.models import Notification
from practice.audit import audit_record
from practice.models import AuditAction, User

NOT_YOURS = _("Only the person themselves can sign their own copy.")
NOT_AGREED = _("Tick “I have read and agree” to sign.")
NAME_MISMATCH = _(
    "The name you typed does not match the name the practice has for you. Type your first and last name "
    "(or the name you go by and your last name) as your therapist has them. If your name has changed, "
    "tell your therapist."
)
ALREADY_SIGNED = _("You have already signed this version.")
NOT_CURRENT = _("A newer version of this document has been published: please read that one.")
NEEDS_REFERRER = _("A release of information must name the professional it releases to.")
EMPTY_BODY = _("The document has no text.")
NOT_TREATING = _("Only a therapist treating this client can record their signature.")
FUTURE_DATE = _("The date of signing cannot be in the future.")
ALREADY_WITHDRAWN = _("This signature was already withdrawn.")
NOT_WITHDRAWABLE = _("This document cannot be withdrawn in the portal: please talk with your therapist.")
NO_EMAIL = _("This member has no email address or does not accept email: ask them in person or by phone.")
NOT_TREATING_SHARE = _("Only a therapist treating this client can share files with them.")
NOT_IN_UNIT = _("Choose a member of this client, or the whole unit.")
ALREADY_UNSHARED = _("This file is no longer shared.")
USER_AGENT_LIMIT = 500


def _is_current(version: DocumentVersion) -> bool:
    newest = current_versions([version.template]).get(version.template_id)
    return newest is not None and newest.pk == version.pk


@transaction.atomic
def version_publish(*, template: DocumentTemplate, body: str, effective_date: date, by: User) -> DocumentVersion:
    """Publish the next version. Everyone's signature of an older one stops counting at once."""
    if not body.strip():
        raise ValidationError({"body": EMPTY_BODY})
    template = DocumentTemplate.objects.select_for_update().get(pk=template.pk)
    number = (template.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = DocumentVersion(
        template=template, number=number, body=body, effective_date=effective_date, published_by=by
    )
    version.full_clean(exclude=["body_sha256"])
    version.save()
    audit_record(actor=by, action=AuditAction.DOCUMENT_PUBLISHED, target=version)
    return version


def normalised_name(name: str) -> str:
    """Case, spaces and accents do not matter: "  josé  MARTÍNEZ" matches "Jose Martinez"."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().replace(".", " ").split())


def name_matches(member: Member, typed: str) -> bool:
    accepted = {normalised_name(f"{member.first_name} {member.last_name}")}
    if member.preferred_name:
        accepted.add(normalised_name(f"{member.preferred_name} {member.last_name}"))
    return normalised_name(typed) in accepted


def _refuse_if_signed(version: DocumentVersion, member: Member, referrer_id: int | None) -> None:
    live = Signature.objects.filter(version=version, member=member, withdrawn_at__isnull=True, referrer_id=referrer_id)
    if live.exists():
        raise ValidationError(ALREADY_SIGNED)


@transaction.atomic
def document_sign(
    *,
    version: DocumentVersion,
    member: Member,
    by: User,
    typed_name: str,
    agreed: bool,
    ip: str,
    user_agent: str,
    referrer_id: int | None = None,
    referrer_name: str = "",
) -> Signature:
    """The member signs `version` in the portal, as themselves: `by` must be the member's own user."""
    if member.user_id is None or by.pk != member.user_id:
        raise ValidationError(NOT_YOURS)
    if not agreed:
        raise ValidationError({"agreed": NOT_AGREED})
    if not name_matches(member, typed_name):
        raise ValidationError({"typed_name": NAME_MISMATCH})
    if not _is_current(version):
        raise ValidationError(NOT_CURRENT)
    if version.template.kind == DocumentTemplate.Kind.RELEASE and referrer_id is None:
        raise ValidationError(NEEDS_REFERRER)
    _refuse_if_signed(version, member, referrer_id)

    signature = Signature(
        version=version,
        client_id=member.client_id,
        member=member,
        signed_name=" ".join(typed_name.split()),
        user=by,
        recorded_by=by,
        ip=ip or None,
        user_agent=user_agent[:USER_AGENT_LIMIT],
        method=Signature.Method.PORTAL,
        referrer_id=referrer_id,
        referrer_name=referrer_name,
    )
    signature = _saved(signature, by)
    _acknowledge_couple_policy(signature, member, by)
    return signature


def _acknowledge_couple_policy(signature: Signature, member: Member, by: User) -> None:
    """Signing the couple confidentiality policy is also the partner's acknowledgement of the unit's
    chosen policy (the one the client page and the booking form look at)."""
    if signature.version.template.kind != DocumentTemplate.Kind.COUPLE_POLICY:
        return
    client = member.client
    if client.is_couple and client.confidentiality_policy:
        client_services.policy_acknowledge(member=member, by=by)


def _saved(signature: Signature, by: User) -> Signature:
    signature.full_clean(exclude=["scan"])
    try:
        with transaction.atomic():
            signature.save()
    except IntegrityError as exc:  # the same signature from another tab a moment ago
        raise ValidationError(ALREADY_SIGNED) from exc
    audit_record(actor=by, action=AuditAction.SIGNED, target=signature)
    return signature


@transaction.atomic
def paper_consent_record(
    *,
    version: DocumentVersion,
    member: Member,
    by: User,
    signed_on: date,
    scan,
    referrer_id: int | None = None,
    referrer_name: str = "",
) -> Signature:
    """A treating therapist records a copy signed on paper, with its scan."""
    if not by.is_therapist or not member.client.is_treated_by(by.therapist):
        raise ValidationError(NOT_TREATING)
    zone = by.therapist.zone
    if signed_on > timezone.now().astimezone(zone).date():
        raise ValidationError({"signed_on": FUTURE_DATE})
    if version.template.kind == DocumentTemplate.Kind.RELEASE and referrer_id is None:
        raise ValidationError({"referrer": NEEDS_REFERRER})
    _refuse_if_signed(version, member, referrer_id)

    signature = Signature(
        version=version,
        client_id=member.client_id,
        member=member,
        signed_name=member.full_name,
        signed_at=datetime.combine(signed_on, time(12), tzinfo=zone),
        recorded_by=by,
        method=Signature.Method.PAPER,
        scan=scan,
        referrer_id=referrer_id,
        referrer_name=referrer_name,
    )
    return _saved(signature, by)


@transaction.atomic
def signature_withdraw(*, signature: Signature, by: User) -> Signature:
    """Withdraw at once (the gates follow). The member themselves (for the kinds that allow it in the
    portal) or a treating therapist."""
    signature = Signature.objects.select_for_update().select_related("version__template", "member").get(pk=signature.pk)
    if signature.withdrawn_at is not None:
        raise ValidationError(ALREADY_WITHDRAWN)
    own = signature.member.user_id is not None and signature.member.user_id == by.pk
    treating = by.is_therapist and signature.member.client.is_treated_by(by.therapist)
    if not own and not treating:
        raise ValidationError(NOT_YOURS)
    if own and not signature.version.template.may_withdraw:
        raise ValidationError(NOT_WITHDRAWABLE)

    signature.withdrawn_at = timezone.now()
    signature.withdrawn_by = by
    signature.save(update_fields=["withdrawn_at", "withdrawn_by", "updated_at"])
    audit_record(actor=by, action=AuditAction.SIGNATURE_WITHDRAWN, target=signature)
    _withdraw_source_consent(signature, by)
    return signature


def _withdraw_source_consent(signature: Signature, by: User) -> None:
    """A signature made from an old one-click consent (documents 0004) takes that record with it, so
    nothing that still reads the old records sees a consent the person has withdrawn."""
    if signature.migrated_from_consent_id is None:
        return
    consent = Consent.objects.filter(pk=signature.migrated_from_consent_id, revoked_at=None).first()
    if consent is not None:
        client_services.consent_revoke(consent=consent, by=by)


@transaction.atomic
def signature_request(*, version: DocumentVersion, member: Member, by: User) -> Notification:
    """Email the member that a document waits in their portal (discreet wording, no text of it).
    Asking again the same day for the same document sends nothing new."""
    if not member.contact_by_email or not member.email:
        raise ValidationError(NO_EMAIL)
    notification = outbox.notification_enqueue(
        kind=messages.SIGN_REQUEST,
        key=f"{messages.SIGN_REQUEST}:{version.pk}:{member.pk}:{timezone.localdate():%Y%m%d}",
        target=version,
        member=member,
        reference=member.client.reference,
    )
    audit_record(actor=by, action=AuditAction.SIGNATURE_REQUESTED, target=member, client_id=member.client_id)
    return notification


# --- Shared handouts ------------------------------------------------------------------------------


@transaction.atomic
def handout_share(*, client: Client, member: Member | None, title: str, file, by: User) -> SharedFile:
    """Share a file read-only with one member (`member`) or the whole unit (None). A treating
    therapist only; the file's type and size are checked by the form (magic bytes included)."""
    if not by.is_therapist or not client.is_treated_by(by.therapist):
        raise ValidationError(NOT_TREATING_SHARE)
    if member is not None and member.client_id != client.pk:
        raise ValidationError({"member": NOT_IN_UNIT})
    shared = SharedFile(client=client, member=member, title=" ".join(title.split()), file=file, shared_by=by)
    shared.full_clean()
    shared.save()
    audit_record(actor=by, action=AuditAction.CREATE, target=shared)
    return shared


@transaction.atomic
def handout_unshare(*, shared: SharedFile, by: User) -> SharedFile:
    """Take a handout out of the portal at once (the record and the file stay for the therapist)."""
    shared = SharedFile.objects.select_for_update().select_related("client").get(pk=shared.pk)
    if not by.is_therapist or not shared.client.is_treated_by(by.therapist):
        raise ValidationError(NOT_TREATING_SHARE)
    if shared.withdrawn_at is not None:
        raise ValidationError(ALREADY_UNSHARED)
    shared.withdrawn_at = timezone.now()
    shared.withdrawn_by = by
    shared.save(update_fields=["withdrawn_at", "withdrawn_by", "updated_at"])
    audit_record(actor=by, action=AuditAction.UPDATE, target=shared)
    return shared
