"""Who may load which measure. The only road to these objects from a URL; every refusal is a 404.

- a therapist who treats the unit sees its assignments and every member's answers and scores;
- staff, other therapists and strangers see none (the clinical content is a therapist's alone);
- a client reaches only their own requests (never the partner's) through the portal, never by another id.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404

from clients.access import get_client_for_user, get_portal_member
from measures.models import MeasureAssignment, MeasureRequest, MeasureResponse
from practice.models import User


def get_assignment_for_user(user: User, assignment_id: int) -> MeasureAssignment:
    assignment = get_object_or_404(MeasureAssignment.objects.select_related("client", "member"), pk=assignment_id)
    get_client_for_user(user, assignment.client_id)
    return assignment


def get_response_for_user(user: User, response_id: int) -> MeasureResponse:
    response = get_object_or_404(MeasureResponse.objects.select_related("client", "member"), pk=response_id)
    get_client_for_user(user, response.client_id)
    return response


def get_portal_request(user: User, request_id: int) -> MeasureRequest:
    """The signed-in member's own request. The partner's, another unit's and a missing one: 404."""
    member = get_portal_member(user)
    request = get_object_or_404(MeasureRequest.objects.select_related("assignment", "member"), pk=request_id)

    if request.member_id != member.pk:
        raise Http404
    return request
