"""Who may load which document, version and signature. The only road to them from a URL.

Not entitled and missing look the same (404). Rules:
- the practice's templates and versions are practice text, shared by every therapist;
- a signature (and its signed copy and scan) is for the member who signed it (portal) and for the
  therapists treating the unit; never the other partner, another therapist, staff or a stranger;
- in the portal a member signs only the current version of an active document for their unit, for
  themselves: the member always comes from the signed-in user, never from the URL;
- a shared handout follows the client record like a resource's assignment: the treating therapists
  (never staff), and in the portal only while it is shared, for the whole unit or for that member
  alone (the other partner never reaches a handout shared with one member).
"""

from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from clients.access import get_client_for_user, get_portal_member
from clients.models import Member
from documents.gates import current_versions
from documents.models import DocumentTemplate, DocumentVersion, SharedFile, Signature
from practice.models import User

SIGNATURE_RELATED = ("version__template", "member", "client", "recorded_by__therapist")


def get_template_for_user(user: User, template_id: int) -> DocumentTemplate:
    if not user.is_authenticated or not user.is_therapist:
        raise Http404
    return get_object_or_404(DocumentTemplate, pk=template_id)


def get_signature_for_user(user: User, signature_id: int) -> Signature:
    """A signature of a unit `user` treats (clinical access: staff are refused)."""
    signature = get_object_or_404(Signature.objects.select_related(*SIGNATURE_RELATED), pk=signature_id)
    get_client_for_user(user, signature.client_id)
    return signature


def get_portal_signature(user: User, signature_id: int) -> Signature:
    """The signed-in member's own signature: the other partner's is 404."""
    member = get_portal_member(user)
    return get_object_or_404(Signature.objects.select_related(*SIGNATURE_RELATED), pk=signature_id, member=member)


def get_portal_version_to_sign(user: User, version_id: int) -> tuple[Member, DocumentVersion]:
    """The current version of an active document for the member's unit, and the member signing it."""
    member = get_portal_member(user)
    version = get_object_or_404(DocumentVersion.objects.select_related("template"), pk=version_id)

    if not version.template.active:
        raise Http404
    if not version.template.applies_to(member.client):
        raise Http404
    if current_versions([version.template])[version.template_id].pk != version.pk:
        raise Http404
    return member, version


def get_shared_file_for_user(user: User, shared_id: int) -> SharedFile:
    """A handout of a unit `user` treats, shared or unshared (clinical access: staff are refused)."""
    shared = get_object_or_404(SharedFile.objects.select_related("client", "member"), pk=shared_id)
    get_client_for_user(user, shared.client_id)
    return shared


def portal_shared_files(member: Member) -> QuerySet[SharedFile]:
    """What the member may see: their unit's handouts still shared, for everyone or for them."""
    return SharedFile.objects.filter(
        Q(member__isnull=True) | Q(member=member), client_id=member.client_id, withdrawn_at__isnull=True
    )


def get_portal_shared_file(user: User, shared_id: int) -> SharedFile:
    member = get_portal_member(user)
    return get_object_or_404(portal_shared_files(member), pk=shared_id)
