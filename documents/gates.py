"""What the practice may not do until the right people have signed: the gate functions.

`missing_signatures` answers, in words, what is missing for one purpose; `require_signatures` raises
a `ValidationError` with those words (and how to sign) for a service to refuse with;
`signed_members` answers who has signed. Services above this floor call them:
`sessions_app.services.check_signatures` before booking ("booking", and "video" for a video session,
in one call: `missing_signatures(..., purposes=("booking", "video"))`), and `referrals.selectors`
before a letter back (`signed_members(..., purpose="release", referrer_id=referral.referrer_id)`).

Only the current version of each active, required document counts: a signature of an older version
(superseded by a newer one) or a withdrawn one does not. A document signed by "each member" needs
every attending member's own signature; one signed by "one member" is satisfied by any member of
the unit. One query whatever the number of documents, members or purposes (`missing_signatures`
accepts several purposes at once, as booking a video session asks both).
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import F, FilteredRelation, Q
from django.utils.translation import gettext as _

from clients.models import Client, Member
from documents.models import DocumentTemplate, DocumentVersion, Signature

PURPOSES = (
    DocumentTemplate.RequiredBefore.BOOKING,
    DocumentTemplate.RequiredBefore.VIDEO,
    DocumentTemplate.RequiredBefore.RELEASE,
)
HOW_TO_SIGN = _(
    "Each person can read and sign it in their portal under Documents, or the therapist can record a signed "
    "paper copy on the client page."
)


@dataclass(frozen=True)
class Missing:
    """One signature the gate lacks: `member` is None for a unit-level document nobody signed."""

    version: DocumentVersion
    member: Member | None
    text: str

    def __str__(self) -> str:
        return self.text


def current_versions(templates: Iterable[DocumentTemplate]) -> dict[int, DocumentVersion]:
    """The newest published version of each template (templates with none are left out). One query."""
    ids = [t.pk for t in templates]
    return newest_per_template(
        DocumentVersion.objects.filter(template_id__in=ids).select_related("template").order_by("-number")
    )


def newest_per_template(versions: Iterable[DocumentVersion]) -> dict[int, DocumentVersion]:
    """The first of `versions` (each template's newest first) for each template, in their order."""
    newest: dict[int, DocumentVersion] = {}
    for version in versions:
        newest.setdefault(version.template_id, version)
    return newest


def _gate_rows(*, client: Client, purposes: tuple[str, ...], referrer_id: int | None):
    """Every version of the active documents required before `purposes`, newest first within each
    document, each row joined to one live signature of this unit (`signer_id`, None for none). One
    query: a version signed by two members comes twice, a version nobody signed once."""
    live = Q(signatures__client=client, signatures__withdrawn_at__isnull=True)
    if referrer_id is not None:
        live &= Q(signatures__referrer_id=referrer_id)
    return (
        DocumentVersion.objects.filter(template__active=True, template__required_before__in=purposes)
        .annotate(live=FilteredRelation("signatures", condition=live), signer_id=F("live__member_id"))
        .select_related("template")
        .order_by("template__order", "template__title", "template_id", "-number")
    )


def _required_and_signed(
    *, client: Client, purposes: tuple[str, ...], referrer_id: int | None
) -> tuple[list[DocumentVersion], set[tuple[int, int]]]:
    """(the current version of each required document that applies to this unit, the live
    (version id, member id) signatures of those versions). One query."""
    for purpose in purposes:
        if purpose not in PURPOSES:
            raise ValueError(f"unknown purpose {purpose!r}")
    newest: dict[int, DocumentVersion] = {}
    signed: set[tuple[int, int]] = set()
    for row in _gate_rows(client=client, purposes=purposes, referrer_id=referrer_id):
        if not row.template.applies_to(client):
            continue
        version = newest.setdefault(row.template_id, row)
        if version.pk == row.pk and row.signer_id is not None:
            signed.add((row.pk, row.signer_id))
    return list(newest.values()), signed


def required_versions(*, client: Client, purpose: str) -> list[DocumentVersion]:
    """The current versions of the active documents required before `purpose` for this unit."""
    versions, _signed = _required_and_signed(client=client, purposes=(purpose,), referrer_id=None)
    return versions


def missing_signatures(
    *,
    client: Client,
    members: Iterable[Member],
    purpose: str | None = None,
    purposes: Iterable[str] = (),
    referrer_id: int | None = None,
) -> list[Missing]:
    """What is missing before `purpose` ("booking", "video" or "release"; or several at once:
    `purposes`) for these attending `members` of `client`, one entry per member and document, in
    words ("Jordan has not signed the Telehealth consent (version 2)."). Empty when the gate is open.
    For a release, `referrer_id` names the referrer the letter goes to: only a signature naming that
    referrer counts. One query, whatever the number of documents, members and purposes."""
    members = list(members)
    wanted = tuple(purposes) + ((purpose,) if purpose else ())
    versions, signed = _required_and_signed(client=client, purposes=wanted, referrer_id=referrer_id)
    signed_versions = {version_id for version_id, _member in signed}

    missing = []
    for version in versions:
        if version.template.signers == DocumentTemplate.Signers.ONE:
            if version.pk not in signed_versions:
                missing.append(Missing(version, None, _unit_text(members, version)))
            continue
        for member in members:
            if (version.pk, member.pk) not in signed:
                text = _("%(name)s has not signed the %(document)s.") % {
                    "name": member.display_name,
                    "document": version.label,
                }
                missing.append(Missing(version, member, text))
    return missing


def signed_members(
    *, client: Client, members: Iterable[Member], purpose: str, referrer_id: int | None = None
) -> list[Member]:
    """The members (in the order given) who have signed everything required before `purpose` (a
    document one member signs for the unit counts for all). Nobody when no document is required for
    it: for a release this answers "who released information to this referrer", and a practice
    without a release document has no one who did. One query."""
    members = list(members)
    versions, signed = _required_and_signed(client=client, purposes=(purpose,), referrer_id=referrer_id)
    if not versions:
        return []
    signed_versions = {version_id for version_id, _member in signed}

    def covered(member: Member) -> bool:
        return all(
            version.pk in signed_versions
            if version.template.signers == DocumentTemplate.Signers.ONE
            else (version.pk, member.pk) in signed
            for version in versions
        )

    return [member for member in members if covered(member)]


def require_signatures(
    *, client: Client, members: Iterable[Member], purpose: str, referrer_id: int | None = None
) -> None:
    """Raise ValidationError naming everything missing (and how to sign) unless the gate is open."""
    missing = missing_signatures(client=client, members=members, purpose=purpose, referrer_id=referrer_id)
    if missing:
        raise ValidationError([m.text for m in missing] + [HOW_TO_SIGN], code="signature_missing")


def _unit_text(members: list[Member], version: DocumentVersion) -> str:
    if len(members) == 1:
        return _("%(name)s has not signed the %(document)s.") % {
            "name": members[0].display_name,
            "document": version.label,
        }
    return _("Nobody in this unit has signed the %(document)s (one member's signature is enough).") % {
        "document": version.label
    }


def has_signed(*, client: Client, member: Member | None, kind: str) -> bool:
    """Whether the current version of every active document of `kind` ("financial": the financial and
    cancellation policy) has a live signature for this unit: `member`'s own; with no member (both
    partners share the bill, or a third party pays) a document one member signs for the unit needs
    any member's, one each member signs needs every member's. False when the practice has no active
    document of that kind: nothing was agreed. Three queries, four when no member is named."""
    templates = [t for t in DocumentTemplate.objects.filter(kind=kind, active=True) if t.applies_to(client)]
    versions = current_versions(templates)
    if not templates or len(versions) < len(templates):
        return False
    live = Signature.objects.filter(
        version__in=list(versions.values()), client=client, withdrawn_at__isnull=True, referrer_id__isnull=True
    )
    signers: dict[int, set[int]] = {}
    for version_id, member_id in live.values_list("version_id", "member_id"):
        signers.setdefault(version_id, set()).add(member_id)
    everyone = set(client.members.values_list("pk", flat=True)) if member is None else set()
    for version in versions.values():
        signed = signers.get(version.pk, set())
        if member is not None and member.pk not in signed:
            return False
        if member is None and version.template.signers == DocumentTemplate.Signers.ONE and not signed:
            return False
        if member is None and version.template.signers == DocumentTemplate.Signers.EACH and not everyone <= signed:
            return False
    return True
