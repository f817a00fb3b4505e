"""Who may load which client record. The only road to these objects from a URL.

Not entitled and missing look the same (404), so ids cannot be probed. Rules:
- a therapist sees the units they treat (primary or co-therapist), with all clinical content, except
  another therapist's private psychotherapy notes;
- staff see any unit's contact and scheduling details (`clinical=False`), never clinical content;
- a client reaches their own member record and unit through the portal only, never by id;
- a risk alert is for the unit's therapists and the practice's clinical lead only;
- a note template is edited in the app by the therapist who made it (the starter ones in the admin).
"""

from django.http import Http404
from django.shortcuts import get_object_or_404

from clients.models import Client, Consent, Goal, IntakeResponse, Member, Note, NoteTemplate, RiskAlert
from clients.selectors import clinical_lead_id
from practice.models import User


def get_client_for_user(user: User, client_id: int, *, clinical: bool = True) -> Client:
    """Return the unit if `user` may see it (`clinical` content, or only contact details)."""
    client = get_object_or_404(Client.objects.select_related("primary_therapist"), pk=client_id)

    if user.is_therapist and client.is_treated_by(user.therapist):
        return client
    if user.is_practice_staff and not clinical:
        return client

    raise Http404


def get_member_for_user(user: User, client_id: int, member_id: int, *, clinical: bool = True) -> Member:
    client = get_client_for_user(user, client_id, clinical=clinical)
    return get_object_or_404(Member.objects.select_related("client", "user"), pk=member_id, client=client)


def get_intake_for_user(user: User, client_id: int, member_id: int) -> IntakeResponse:
    """A submitted questionnaire. A draft is the member's alone until they send it: 404."""
    member = get_member_for_user(user, client_id, member_id)
    return get_object_or_404(
        IntakeResponse.objects.select_related("member__client"),
        member=member,
        status=IntakeResponse.Status.SUBMITTED,
    )


def get_goal_for_user(user: User, goal_id: int) -> Goal:
    goal = get_object_or_404(Goal.objects.select_related("client"), pk=goal_id)
    get_client_for_user(user, goal.client_id)
    return goal


def get_note_for_user(user: User, note_id: int) -> Note:
    """Notes are for treating therapists; private psychotherapy notes only for their author."""
    note = get_object_or_404(Note.objects.select_related("client", "author", "about_member"), pk=note_id)
    get_client_for_user(user, note.client_id)

    if note.kind == Note.Kind.PSYCHOTHERAPY and note.author_id != user.therapist.pk:
        raise Http404
    return note


def get_consent_for_user(user: User, consent_id: int) -> Consent:
    consent = get_object_or_404(Consent.objects.select_related("member", "client"), pk=consent_id)
    get_client_for_user(user, consent.client_id)
    return consent


def get_alert_for_user(user: User, client_id: int, alert_id: int) -> RiskAlert:
    """A risk alert, for the unit's therapists and the clinical lead (who may not treat the unit).

    Staff, other therapists and clients get 404: staff only ever learn that an urgent item exists.
    """
    alert = get_object_or_404(
        RiskAlert.objects.select_related("client", "member", "acknowledged_by"), pk=alert_id, client_id=client_id
    )

    if user.is_therapist and alert.client.is_treated_by(user.therapist):
        return alert
    if user.is_therapist and clinical_lead_id() == user.therapist.pk:
        return alert

    raise Http404


def get_portal_member(user: User) -> Member:
    """The member record of a signed-in client. Clients never load members by id.

    Read once per request: the time-zone middleware has already loaded it (`load_viewer_member`),
    with its unit and therapist, and left it on the user; otherwise (outside a request) it is read here."""
    if not user.is_authenticated or not user.is_client:
        raise Http404
    relation = User.member.related
    if relation.is_cached(user):
        member = relation.get_cached_value(user)
        if member is None:
            raise Http404
        if Member.client.field.is_cached(member) and Client.primary_therapist.field.is_cached(member.client):
            return member
    return get_object_or_404(Member.objects.select_related("client", "client__primary_therapist"), user=user)


def load_viewer_member(user: User) -> Member | None:
    """The signed-in client's member with its unit and therapist, in one query, cached on `user`
    (registered with practice.middleware from clients/apps.py)."""
    member = Member.objects.select_related("client", "client__primary_therapist").filter(user=user).first()
    User.member.related.set_cached_value(user, member)
    if member is not None:
        Member.user.field.set_cached_value(member, user)
    return member


def get_portal_consent(user: User, consent_id: int) -> Consent:
    member = get_portal_member(user)
    return get_object_or_404(Consent, pk=consent_id, member=member)


def get_note_template_for_user(user: User, template_id: int) -> NoteTemplate:
    """A note template `user` may edit: their own. The practice's starter templates: 404 here."""
    template = get_object_or_404(NoteTemplate, pk=template_id)

    if user.is_therapist and template.created_by_id == user.therapist.pk:
        return template

    raise Http404
