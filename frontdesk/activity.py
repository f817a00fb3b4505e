"""The practice owner's activity page: who opened, changed or exported which client's record, when.

Read from the audit trail (ids only) and put into words here, on the top floor, where every app's
models are known. Names are resolved only for a viewer who may see them: a client's names (as the
one who acted, or as the record acted on) only when the viewer treats that client; otherwise the
client is their reference (C-XXXXXX) and a person their role. Therapists and staff are named: the
owner runs the practice they work in.

Who may see it: an admin (superuser) or a therapist marked practice owner (`User.is_owner`);
everyone else gets 404. Fixed queries per page whatever its size (`activity_page`).
"""

from dataclasses import dataclass
from datetime import datetime

from django import forms
from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from clients.models import Client, Member
from practice.models import AuditAction, AuditEvent, User

PER_PAGE = 50
ANY_CLIENT = "clients"  # the person filter's choice for "any client, through the portal"
NO_SUCH_REFERENCE = gettext_lazy("No client has the reference %(reference)s. Check it and try again.")


class ActivityFilterForm(forms.Form):
    person = forms.ChoiceField(label=gettext_lazy("Person"), required=False)
    client = forms.CharField(
        label=gettext_lazy("Client reference"),
        required=False,
        max_length=12,
        widget=forms.TextInput(attrs={"placeholder": "C-XXXXXX", "autocomplete": "off"}),
    )
    action = forms.ChoiceField(
        label=gettext_lazy("Action"), required=False, choices=[("", gettext_lazy("Any action")), *AuditAction.choices]
    )

    def __init__(self, *args, people: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [("", _("Anyone")), *people, (ANY_CLIENT, _("Any client (portal)"))]

    def clean_client(self) -> Client | None:
        reference = self.cleaned_data["client"].strip().upper()
        if not reference:
            return None
        found = Client.objects.filter(reference=reference).first()
        if found is None:
            raise forms.ValidationError(NO_SUCH_REFERENCE % {"reference": reference})
        return found


@dataclass
class Row:
    at: datetime
    who: str
    action: str
    what: str
    client_reference: str
    client_names: str
    ip: str


def people_choices() -> list[tuple[str, str]]:
    """Therapists, staff and admins, named (one query)."""
    users = (
        User.objects.filter(Q(role__in=[User.Role.THERAPIST, User.Role.STAFF]) | Q(is_superuser=True))
        .select_related("therapist")
        .order_by("role", "email")
    )
    return [(str(u.pk), _staff_name(u)) for u in users]


def activity_page(*, viewer: User, person: str = "", client: Client | None = None, action: str = "", page=1) -> Page:
    """One page of the trail as rows in words, newest first. Five queries whatever the page holds:
    the count, the rows (with who acted), the clients named, their members, and the viewer's own
    caseload among them."""
    events = AuditEvent.objects.select_related("actor", "actor__therapist").order_by("-at", "-id")
    if person == ANY_CLIENT:
        events = events.filter(actor__role=User.Role.CLIENT)
    elif person.isdigit():
        events = events.filter(actor_id=int(person))
    if client is not None:
        events = events.filter(client_id=client.pk)
    if action:
        events = events.filter(action=action)
    result = Paginator(events, PER_PAGE).get_page(page)
    result.object_list = _rows(viewer, list(result.object_list))
    return result


def _rows(viewer: User, events: list[AuditEvent]) -> list[Row]:
    client_actor_ids = {e.actor_id for e in events if e.actor is not None and e.actor.is_client}
    client_ids = {e.client_id for e in events if e.client_id}
    members = list(
        Member.objects.filter(Q(client_id__in=client_ids) | Q(user_id__in=client_actor_ids))
        .select_related("client")
        .order_by("client_id", "position")
    )
    clients = {m.client_id: m.client for m in members}
    missing = client_ids - set(clients)
    if missing:  # a unit without members (rare): its reference still
        clients.update(Client.objects.in_bulk(missing))
    treated = _treated_by(viewer, set(clients))
    names: dict[int, list[str]] = {}
    by_user: dict[int, Member] = {}
    for m in members:
        names.setdefault(m.client_id, []).append(m.display_name)
        if m.user_id:
            by_user[m.user_id] = m
    rows = []
    for e in events:
        unit = clients.get(e.client_id)
        rows.append(
            Row(
                at=e.at,
                who=_who(e.actor, by_user, treated),
                action=e.get_action_display(),
                what=_what(e),
                client_reference=unit.reference if unit else "",
                client_names=" & ".join(names.get(e.client_id, [])) if e.client_id in treated else "",
                ip=e.ip or "",
            )
        )
    return rows


def _treated_by(viewer: User, client_ids: set[int]) -> set[int]:
    if not client_ids or not viewer.is_therapist:
        return set()
    return set(Client.objects.filter(pk__in=client_ids).treated_by(viewer.therapist).values_list("pk", flat=True))


def _staff_name(user: User) -> str:
    if user.role == User.Role.THERAPIST and hasattr(user, "therapist"):
        return _("%(name)s (therapist)") % {"name": user.therapist.display_name}
    name = user.get_full_name() or user.email
    if user.role == User.Role.STAFF and not user.is_superuser:
        return _("%(name)s (staff)") % {"name": name}
    return _("%(name)s (admin)") % {"name": name}


def _who(actor: User | None, by_user: dict[int, Member], treated: set[int]) -> str:
    if actor is None:
        return _("The system (or someone not signed in)")
    if not actor.is_client:
        return _staff_name(actor)
    member = by_user.get(actor.pk)
    if member is None:
        return _("A client")
    if member.client_id in treated:
        return _("%(name)s, client %(reference)s") % {"name": member.display_name, "reference": member.client.reference}
    return _("A client of %(reference)s") % {"reference": member.client.reference}


def _what(event: AuditEvent) -> str:
    if not event.target_type:
        return "—"
    try:
        model = apps.get_model(event.target_type)
    except (LookupError, ValueError):
        return f"{event.target_type} {event.target_id}"
    if model is Client:
        return _("Record")
    if model is User:  # sign-ins and second factors: whose account, without naming anyone again
        return _("Their own account") if event.target_id == str(event.actor_id) else _("An account")
    return f"{str(model._meta.verbose_name).capitalize()} {event.target_id}"


def _owner_only(request: HttpRequest) -> None:
    if not request.user.is_owner:
        raise Http404


@require_GET
@login_required
def activity(request: HttpRequest) -> HttpResponse:
    _owner_only(request)
    return _render(request, client=None)


@require_GET
@login_required
def client_activity(request: HttpRequest, client_id: int) -> HttpResponse:
    """The activity of one client's record (from the list's reference links)."""
    _owner_only(request)
    return _render(request, client=get_object_or_404(Client, pk=client_id))


def _render(request: HttpRequest, *, client: Client | None) -> HttpResponse:
    data = request.GET.copy()
    if client is not None:
        data["client"] = client.reference
    form = ActivityFilterForm(data, people=people_choices())
    context = {"form": form, "client": client, "page": None}
    if not form.is_valid():  # the filters come back as typed, with the reason; no rows guessed at
        return render(request, "frontdesk/activity.html", context, status=400)
    context["page"] = activity_page(
        viewer=request.user,
        person=form.cleaned_data["person"],
        client=form.cleaned_data["client"],
        action=form.cleaned_data["action"],
        page=request.GET.get("page", 1),
    )
    return render(request, "frontdesk/activity.html", context)


urlpatterns = [
    path("", activity, name="list"),
    path("clients/<int:client_id>/", client_activity, name="client"),
]
