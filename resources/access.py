"""Who may load which resource, workshop, registration and assignment. The only road from a URL.

Not entitled and missing look the same (404), so ids cannot be probed. Rules:
- the library (resources, steps, files) is for therapists and admins (superusers); other staff and
  clients reach a resource only through an assignment of their own;
- workshops: therapists see every upcoming one, but only the registrations of units they treat;
- assignments, and the logs and feedback on them, follow the client record: the treating
  therapists (primary or co-therapist), never staff;
- a client reaches only the assignments of their own unit that are for the whole unit or for them;
  a partner's private log is never loaded for the other partner (see `portal_progress`).
"""

from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from clients.access import get_client_for_user, get_portal_member
from clients.models import Member
from practice.models import User
from resources.models import Assignment, ExerciseStep, Registration, Resource, StepProgress, Workshop


def may_use_library(user: User) -> bool:
    return user.is_authenticated and (user.is_therapist or user.is_superuser)


def require_library(user: User) -> None:
    if not may_use_library(user):
        raise Http404


def get_resource_for_user(user: User, resource_id: int) -> Resource:
    """Any resource, active or not, for therapists and admins."""
    require_library(user)
    return get_object_or_404(Resource, pk=resource_id)


# --- Workshops, therapist side --------------------------------------------------------------------


def get_workshop_for_user(user: User, workshop_id: int) -> Workshop:
    if not user.is_therapist:
        raise Http404
    return get_object_or_404(Workshop.objects.select_related("resource"), pk=workshop_id)


def get_registration_for_user(user: User, registration_id: int) -> Registration:
    """A registration of a member of a unit `user` treats."""
    registration = get_object_or_404(
        Registration.objects.select_related("workshop", "member__client"), pk=registration_id
    )
    get_client_for_user(user, registration.member.client_id)
    return registration


# --- Assignments, therapist side ------------------------------------------------------------------


def get_assignment_for_user(user: User, assignment_id: int) -> Assignment:
    assignment = get_object_or_404(
        Assignment.objects.select_related("resource", "client", "member", "created_by"), pk=assignment_id
    )
    get_client_for_user(user, assignment.client_id)
    return assignment


def get_assignment_member_for_user(user: User, assignment_id: int, member_id: int) -> tuple[Assignment, Member]:
    """A member the assignment is for (to read their log): the treating therapists only."""
    assignment = get_assignment_for_user(user, assignment_id)
    member = get_object_or_404(Member, pk=member_id, client_id=assignment.client_id)

    if assignment.member_id is not None and assignment.member_id != member.pk:
        raise Http404
    return assignment, member


# --- The portal -----------------------------------------------------------------------------------


def portal_assignments(member: Member) -> QuerySet[Assignment]:
    """The assignments a member may see: their unit's, for everyone or for them."""
    return Assignment.objects.filter(Q(member__isnull=True) | Q(member=member), client_id=member.client_id)


def get_portal_assignment(user: User, assignment_id: int) -> tuple[Assignment, Member]:
    member = get_portal_member(user)
    assignment = get_object_or_404(portal_assignments(member).select_related("resource", "client"), pk=assignment_id)
    return assignment, member


def get_portal_step(
    user: User, assignment_id: int, step_id: int | None
) -> tuple[Assignment, Member, ExerciseStep | None]:
    """The stage of a programme the member works on (None: the resource as a whole)."""
    assignment, member = get_portal_assignment(user, assignment_id)
    if step_id is None:
        return assignment, member, None
    step = get_object_or_404(ExerciseStep, pk=step_id, resource_id=assignment.resource_id)
    return assignment, member, step


def portal_progress(member: Member, assignment: Assignment) -> QuerySet[StepProgress]:
    """The member's OWN progress rows (logs included). Never the partner's."""
    return StepProgress.objects.filter(assignment=assignment, member=member)


def get_portal_workshop(user: User, workshop_id: int) -> tuple[Workshop, Member]:
    """An active workshop, for a client with a member record."""
    member = get_portal_member(user)
    workshop = get_object_or_404(Workshop, pk=workshop_id, active=True)
    return workshop, member


def get_portal_registration(workshop: Workshop, member: Member) -> Registration | None:
    """The member's own live place (or place in line) at a workshop, found from the member."""
    return Registration.objects.filter(workshop=workshop, member=member, status__in=Registration.LIVE).first()
