"""Reads for the documents pages: the portal's lists, the therapist's view of who signed what."""

from dataclasses import dataclass, field

from clients.models import Client, Member
from clients.selectors import DISPLAY_NAME_FIELDS
from documents.access import portal_shared_files
from documents.gates import current_versions, newest_per_template
from documents.models import DocumentTemplate, DocumentVersion, SharedFile, Signature
from documents.releases import referrers_for


@dataclass(frozen=True)
class ToSign:
    """A document waiting for the member's signature (for a release, one per referrer)."""

    version: DocumentVersion
    sign_again: bool = False  # they signed an older version: this one asks again
    referrer_id: int | None = None
    referrer_name: str = ""


def applicable_versions(client: Client) -> list[DocumentVersion]:
    """The current version of every active document for this unit, in the practice's order. One
    query: the active documents' versions with their document, newest first within each, the first
    of each kept (`current_versions`' rule). The texts are not read: these lists show titles and
    numbers, and the pages that show a text read it themselves."""
    order = [f"template__{name}" for name in DocumentTemplate._meta.ordering]
    versions = (
        DocumentVersion.objects.filter(template__active=True)
        .select_related("template")
        .defer("body")
        .order_by(*order, "template_id", "-number")
    )
    return [v for v in newest_per_template(versions).values() if v.template.applies_to(client)]


def _signed_by_unit(version: DocumentVersion, signatures: list[Signature], member: Member) -> list[Signature]:
    """Live signatures of `version` that count for `member`: their own, or anyone's for a unit document."""
    unit_wide = version.template.signers == DocumentTemplate.Signers.ONE
    return [
        s for s in signatures if s.version_id == version.pk and s.is_live and (unit_wide or s.member_id == member.pk)
    ]


def documents_to_sign(*, member: Member) -> list[ToSign]:
    client = member.client
    signatures = list(Signature.objects.filter(client=client).select_related("version").defer("version__body"))
    older = {s.version.template_id for s in signatures if s.member_id == member.pk and s.is_live}
    waiting = []
    for version in applicable_versions(client):
        done = _signed_by_unit(version, signatures, member)
        again = version.template_id in older
        if version.template.kind == DocumentTemplate.Kind.RELEASE:
            named = {s.referrer_id for s in done}
            waiting += [ToSign(version, again, pk, name) for pk, name in referrers_for(client) if pk not in named]
        elif not done:
            waiting.append(ToSign(version, again))
    return waiting


def member_signatures(*, member: Member) -> list[Signature]:
    return list(Signature.objects.filter(member=member).select_related("version__template"))


def portal_documents(*, member: Member) -> dict:
    return {
        "to_sign": documents_to_sign(member=member),
        "signed": member_signatures(member=member),
        "shared": list(portal_shared_files(member)),
    }


def client_handouts(client: Client) -> list[SharedFile]:
    """Every handout of the unit for its therapist, shared or no longer, newest first."""
    return list(client.shared_files.select_related("member", "shared_by__therapist"))


@dataclass
class MemberStatus:
    member: Member
    current: list[Signature] = field(default_factory=list)  # live signatures of the current version
    older: Signature | None = None  # a live signature of an older version: must sign again
    withdrawn: Signature | None = None  # the latest withdrawn one, if nothing live


@dataclass
class DocumentStatus:
    version: DocumentVersion
    members: list[MemberStatus]
    satisfied: bool
    missing: list[str]


def signature_status(client: Client) -> list[DocumentStatus]:
    """For the therapist: each document for this unit, who signed which version when, who must sign
    (again). Four queries whatever the number of documents, members and signatures."""
    members = list(client.members.only(*DISPLAY_NAME_FIELDS).order_by("position"))  # names only: no decryption
    signatures = list(
        Signature.objects.filter(client=client).select_related("version__template", "recorded_by__therapist")
    )
    rows = []
    for version in applicable_versions(client):
        statuses = []
        for member in members:
            own = [s for s in signatures if s.member_id == member.pk and s.version.template_id == version.template_id]
            status = MemberStatus(member=member)
            status.current = [s for s in own if s.version_id == version.pk and s.is_live]
            status.older = next((s for s in own if s.version_id != version.pk and s.is_live), None)
            status.withdrawn = next((s for s in own if not s.is_live), None)
            statuses.append(status)
        rows.append(_status_row(version, statuses))
    return rows


def _status_row(version: DocumentVersion, statuses: list[MemberStatus]) -> DocumentStatus:
    label = version.label
    if version.template.signers == DocumentTemplate.Signers.ONE:
        satisfied = any(s.current for s in statuses)
        missing = [] if satisfied else [f"Nobody has signed the {label} yet (one member is enough)."]
    else:
        satisfied = all(s.current for s in statuses)
        missing = [
            f"{s.member.display_name} must sign the {label} again."
            if s.older
            else f"{s.member.display_name} has not signed the {label}."
            for s in statuses
            if not s.current
        ]
    return DocumentStatus(version=version, members=statuses, satisfied=satisfied, missing=missing)


def template_list() -> list[tuple[DocumentTemplate, DocumentVersion | None]]:
    templates = list(DocumentTemplate.objects.all())
    versions = current_versions(templates)
    return [(t, versions.get(t.pk)) for t in templates]
