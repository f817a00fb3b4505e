"""Reads that the client pages need, scoped to the viewer, with a fixed number of queries."""

from datetime import date, datetime

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from clients import search
from clients.concern_links import concern_digest
from clients.models import (
    Client,
    Consent,
    Goal,
    IntakeResponse,
    Member,
    MemberSearchToken,
    Note,
    NoteTemplate,
    RiskAlert,
    treated_ids,
    treated_references,
)
from clients.panels import OVERVIEW, TABS, TimelineEntry, client_panels, panel_tab
from practice.choices import choice_labels
from practice.links import link_maker
from practice.models import PracticeSettings, Therapist, User

# What the list shows of a member (their name): the other encrypted columns are not read or decrypted.
LIST_MEMBER_FIELDS = ["id", "client_id", "position", "first_name", "last_name"]
# What a calendar or the dashboard shows of a member (`Member.display_name`): the rest is not decrypted.
DISPLAY_NAME_FIELDS = ["id", "client_id", "position", "first_name", "preferred_name"]


def _members_prefetch() -> Prefetch:
    return Prefetch("members", queryset=Member.objects.order_by("position"))


def client_list(
    *, therapist: Therapist | None = None, staff: bool = False, q: str = "", status: str = "", concern: str = ""
) -> QuerySet[Client]:
    """The units a therapist treats (or, for staff, every unit), searched and filtered, by reference,
    each with its members, concerns and flags (`client_list_page` is the list page's form of it).

    `q` matches the reference code, or every word of it matches a prefix of a member's name
    (through the keyed search tokens, since names are encrypted).
    """
    return _list_rows(Client.objects.filter(pk__in=_units(therapist, staff, q, status, concern).values("pk")))


def client_list_page(
    *, number, per_page: int, therapist: Therapist | None = None, staff: bool = False, **filters
) -> Page:
    """One page of `client_list`: the page's ids first (ordered by reference, counted at most once),
    then the members, concerns and flags of those rows only. Five queries.

    PostgreSQL computed the flags (intensive, open alert) of every matching unit before sorting them
    for the page: 1,000 of them for a therapist at size L."""
    q, status, concern = filters.get("q", ""), filters.get("status", ""), filters.get("concern", "")
    if therapist is not None and not q.strip() and not concern:
        # Without a search or a concern, the caseload index alone (the `pk IN (caseload)` form of
        # `_units` read each of a therapist's units from the table twice: 5-7 ms for 1,000 at L).
        ids = treated_references(therapist, status)
    else:
        units = _units(therapist, staff, q, status, concern)
        ids = Client.objects.filter(pk__in=units.values("pk")).order_by("reference").values_list("pk", "reference")
    page = Paginator(ids, per_page).get_page(number)
    pks = [pk for pk, _reference in page.object_list]
    rows = {row.pk: row for row in _list_rows(Client.objects.filter(pk__in=pks))}
    # A unit removed between the two reads is left out rather than failing the page.
    page.object_list = [rows[pk] for pk in pks if pk in rows]
    return page


def _units(therapist: Therapist | None, staff: bool, q: str, status: str, concern: str) -> QuerySet[Client]:
    if therapist is not None:
        clients = Client.objects.filter(pk__in=treated_ids(therapist))
    elif staff:
        clients = Client.objects.all()
    else:
        return Client.objects.none()
    if status:
        clients = clients.filter(status=status)
    if concern and therapist is not None:  # concerns are clinical: staff cannot filter by them
        clients = clients.filter(concern_tokens__digest=concern_digest(concern))
    if q.strip():
        clients = clients.filter(_search_condition(q))
    return clients


def _list_rows(clients: QuerySet[Client]) -> QuerySet[Client]:
    # The filters (a co-therapist's join, a search) pick the units in a subquery of ids, so the list
    # needs no DISTINCT.
    return (
        clients.with_intensive_flag()
        .annotate(has_open_alert=Exists(RiskAlert.objects.filter(client=OuterRef("pk"), acknowledged_at__isnull=True)))
        .select_related("primary_therapist")
        .prefetch_related(Prefetch("members", queryset=Member.objects.only(*LIST_MEMBER_FIELDS)), "concern_tokens")
        .order_by("reference")
    )


def _search_condition(q: str) -> Q:
    by_reference = Q(reference__iexact=q.strip()) | Q(reference__icontains=q.strip().upper().removeprefix("C-"))
    digests = search.query_digests(q)
    if not digests:
        return by_reference
    matching = (
        MemberSearchToken.objects.filter(digest__in=digests)
        .values("member_id")
        .annotate(hits=Count("digest", distinct=True))
        .filter(hits=len(set(digests)))
        .values("member__client_id")
    )
    return by_reference | Q(pk__in=matching)


def client_page(*, client: Client, therapist: Therapist, tab: str = OVERVIEW) -> dict:
    """What the therapist's client page shows on `tab`, in a fixed number of queries.

    The summary that stays in view (the people, the next session, open alerts, the notes' count and
    the panels' summaries) is always read; each tab's own content only when that tab is the one
    asked for: the other tabs are fetched when opened (static/js/tabs.js), so opening a record no
    longer reads and renders the whole of it."""
    members = list(client.members.select_related("user").order_by("position"))
    timeline = tab == "timeline"
    notes = client.notes.exclude(Q(kind=Note.Kind.PSYCHOTHERAPY) & ~Q(author=therapist))
    if tab == "notes" or timeline:
        notes = list(
            notes.select_related("author", "about_member").annotate(addendum_count=Count("addenda")).defer("body")
        )
        note_count = len(notes)
    else:
        note_count, notes = notes.count(), []
    if tab == OVERVIEW or timeline:
        # Only the intake's status is shown here: its answers are decrypted (and audited) on their own page.
        intakes = IntakeResponse.objects.filter(member__client=client).only(
            "id", "member_id", "status", "submitted_at", "reviewed_at"
        )
        intake_by_member = {i.member_id: i for i in intakes}
        for member in members:
            member.intake_status = intake_by_member.get(member.pk)
    goals = list(client.goals.all()) if tab == OVERVIEW or timeline else []
    consents = (
        list(client.consents.select_related("member", "referrer").order_by("-granted_at"))
        if tab == "documents" or timeline
        else []
    )
    alerts = list(client.risk_alerts.select_related("acknowledged_by").defer("follow_up_note"))
    concerns = client.concerns.list()
    appointments = list(
        client.appointments.select_related("room").prefetch_related("attendances").order_by("-start")[:50]
    )
    _confirmations(appointments, members)
    now = timezone.now()
    panels = client_panels()
    extra = {}
    for panel in panels:
        if panel.summary or panel_tab(panel) == tab:
            extra.update(panel.context(client))
    return {
        "upcoming": sorted((a for a in appointments if a.start > now and a.is_live), key=lambda a: a.start),
        "recent": [a for a in appointments if a.start <= now or not a.is_live][:10],
        "client": client,
        "members": members,
        "concerns": concerns,
        "is_intensive": any(c.intensive for c in concerns),
        "goals": goals,
        "notes": notes,
        "note_count": note_count,
        "consents": consents,
        "timeline": (
            _timeline(client, members, notes, goals, consents, appointments, panels, alerts) if timeline else []
        ),
        "panel_templates": [panel.template for panel in panels if panel.template],
        "panel_templates_by_tab": _templates_by_tab(panels),
        "summary_templates": [panel.summary for panel in panels if panel.summary],
        "tabs": TABS,
        "tab": tab,
        "open_alert_count": sum(1 for alert in alerts if alert.acknowledged_at is None),
        **extra,
    }


def _templates_by_tab(panels) -> dict[str, list[str]]:
    by_tab: dict[str, list[str]] = {name: [] for name, _label in TABS}
    for panel in panels:
        if panel.template:
            by_tab[panel_tab(panel)].append(panel.template)
    return by_tab


def _confirmations(appointments, members: list[Member]) -> None:
    """Who confirmed each session from a reminder's link, and when: `appointment.confirmations`."""
    by_id = {member.pk: member for member in members}
    for appointment in appointments:
        appointment.confirmations = [
            (by_id[a.member_id], a.confirmed_at)
            for a in appointment.attendances.all()
            if a.confirmed_at is not None and a.member_id in by_id
        ]


def _timeline(client, members, notes, goals, consents, appointments, panels, alerts) -> list[TimelineEntry]:
    entries = [TimelineEntry(client.created_at, "created", "Record opened")]
    for panel in panels:
        if panel.timeline is not None:
            entries.extend(panel.timeline(client))
    # Reversed and translated once for the page, not once per row (the timeline has a row per
    # session and note: about 130 reversals and 300 translations a request before).
    appointment_url, note_url = link_maker("sessions_app:appointment"), link_maker("clients:note")
    if appointments:  # the sessions app is above this floor: its model is read from a row
        statuses, modalities = choice_labels(appointments[0], "status"), choice_labels(appointments[0], "modality")
    for appointment in appointments:
        label = f"Session ({statuses[appointment.status].lower()}, {modalities[appointment.modality].lower()})"
        url = appointment_url(appointment.pk)
        entries.append(TimelineEntry(appointment.start, "session", label, url))
        for member, confirmed_at in appointment.confirmations:
            when = date_format(timezone.localtime(confirmed_at), "j M H:i")  # in the viewer's zone
            session = date_format(timezone.localtime(appointment.start), "j M")
            label = f"Confirmed by {member.display_name}, {when} (the session of {session})"
            entries.append(TimelineEntry(confirmed_at, "confirmation", label, url))
    for member in members:
        intake = member.intake_status
        if intake and intake.submitted_at:
            entries.append(TimelineEntry(intake.submitted_at, "intake", f"Intake submitted ({member.display_name})"))
    kinds = choice_labels(Note, "kind")
    for note in notes:
        label = kinds[note.kind] + (" (for a session)" if note.appointment_id else "")
        entries.append(TimelineEntry(note.session_date, "note", label, note_url(note.pk)))
    for goal in goals:
        entries.append(TimelineEntry(goal.created_at, "goal", f"Goal set ({goal.get_status_display().lower()})"))
    for consent in consents:
        entries.append(TimelineEntry(consent.granted_at, "consent", f"Consent given: {consent.get_kind_display()}"))
        if consent.revoked_at:
            label = f"Consent withdrawn: {consent.get_kind_display()}"
            entries.append(TimelineEntry(consent.revoked_at, "consent", label))
    for alert in alerts:  # they stay here, with who closed them, after they leave the lists
        url = reverse("clients:alert_detail", args=[client.pk, alert.pk])
        entries.append(
            TimelineEntry(alert.raised_at, "alert", f"Risk alert raised ({alert.get_source_display()})", url)
        )
        if alert.acknowledged_at:
            label = f"Risk alert acknowledged by {alert.acknowledged_by.display_name}"
            entries.append(TimelineEntry(alert.acknowledged_at, "alert", label, url))
    return sorted(entries, key=lambda e: _sort_key(e.at), reverse=True)


def _sort_key(value: datetime | date) -> datetime:
    if isinstance(value, datetime):
        return value
    return timezone.make_aware(datetime(value.year, value.month, value.day))


def portal_summary(*, member: Member) -> dict:
    """What a client sees on their portal home: their own things only, in a fixed number of queries."""
    client = member.client
    consents = list(Consent.objects.filter(member=member).select_related("referrer").order_by("-granted_at"))
    return {
        "member": member,
        "client": client,
        "intake": IntakeResponse.objects.filter(member=member).only("id", "status", "submitted_at").first(),
        "goals": list(Goal.objects.filter(client=client, shared_with_client=True).order_by("status", "review_on")),
        "consents": consents,
        "active_consents": [c for c in consents if c.is_active],
        "partner_acknowledged": partner_acknowledged_policy(member=member),
    }


def partner_acknowledged_policy(*, member: Member) -> bool | None:
    """Whether the other partner acknowledged the couple's current policy (None: nothing to
    acknowledge). Only that fact: nothing of the partner's record is loaded."""
    client = member.client
    if not client.is_couple or not client.confidentiality_policy:
        return None
    partners = Member.objects.filter(client_id=client.pk).exclude(pk=member.pk)
    return partners.filter(
        policy_acknowledged=client.confidentiality_policy, policy_acknowledged_version=client.policy_version
    ).exists()


def policy_unacknowledged(client: Client, members=None) -> list[Member]:
    """The partners (of `members`, else all) who have not acknowledged the couple's current policy
    version. Empty for an individual or a couple with no policy set yet."""
    if not client.is_couple or not client.confidentiality_policy:
        return []
    members = list(members) if members is not None else list(client.members.order_by("position"))
    for member in members:
        member.client = client
    return [m for m in members if not m.has_acknowledged_policy]


# --- Risk alerts ----------------------------------------------------------------------------------

ALERT_MEMBER_FIELDS = [
    "member__id",
    "member__client_id",
    "member__position",
    "member__first_name",
    "member__preferred_name",
]


def _settings_row():
    """The practice's one settings row, as a query (reading it never creates it)."""
    return PracticeSettings.objects.filter(pk=1)


def clinical_lead_id() -> int | None:
    """The practice's clinical lead (a setting), read without creating the settings row on a read."""
    return _settings_row().values_list("clinical_lead_id", flat=True).first()


def risk_alert_list(*, user: User) -> list[RiskAlert]:
    """Open alerts a therapist must see: those of the units they treat, and every open alert for the
    practice's clinical lead. Oldest first (the longest waiting at the top). One query: whether the
    therapist is the lead is a condition of it (evaluated once), not a read of its own."""
    if not user.is_therapist:
        return []
    therapist = user.therapist
    is_lead = Exists(_settings_row().filter(clinical_lead=therapist))
    alerts = RiskAlert.objects.filter(Q(client__in=treated_ids(therapist)) | is_lead, acknowledged_at__isnull=True)
    return list(
        alerts.select_related("client", "member")
        .only("id", "client_id", "member_id", "source", "raised_at", "client__reference", *ALERT_MEMBER_FIELDS)
        .order_by("raised_at", "pk")
    )


def open_alerts_for(client: Client) -> list[RiskAlert]:
    """The unit's open alerts, for the therapist's header on every page of the record. One query."""
    return list(
        client.risk_alerts.filter(acknowledged_at__isnull=True)
        .select_related("member")
        .only("id", "client_id", "member_id", "source", "raised_at", *ALERT_MEMBER_FIELDS)
        .order_by("raised_at", "pk")
    )


def has_open_alert(client: Client) -> bool:
    """Whether the unit has an urgent item: all that staff may know of it."""
    return client.risk_alerts.filter(acknowledged_at__isnull=True).exists()


def risk_alert_page(*, alert: RiskAlert, user: User) -> dict:
    """What raised the alert (for an intake: which risk questions were answered yes or unsure)."""
    treating = alert.client.is_treated_by(user.therapist)
    raised_by, source_url = [], ""
    if alert.source == RiskAlert.Source.INTAKE:
        questions = IntakeResponse.RISK_QUESTIONS
        intake = IntakeResponse.objects.filter(pk=alert.source_id, member_id=alert.member_id).only(*questions).first()
        if intake is not None:
            raised_by = intake.risk_answers
            if treating:
                source_url = reverse("clients:intake", args=[alert.client_id, alert.member_id])
    return {
        "alert": alert,
        "client": alert.client,
        "treating": treating,
        "raised_by": raised_by,
        "source_url": source_url,
    }


# --- Consents --------------------------------------------------------------------------------------
# What may be booked is gated by signed documents since issue 17 (`documents.gates`), not by these
# one-click records; what is left here is said on the withdrawal page of the records still kept.


def consent_withdraw_effects(consent: Consent, *, now: datetime | None = None) -> list[str]:
    """What withdrawing this consent does, said before it is done (the confirm page). The kinds now
    given as signed documents (treatment, telehealth, release) are withdrawn from the documents
    pages, which say what that stops; their old records never reach this page."""
    kind = consent.kind
    if kind == Consent.Kind.REMINDERS_EMAIL:
        return ["Reminders and appointment messages by email stop at once, including those already planned."]
    if kind == Consent.Kind.REMINDERS_SMS:
        return ["Reminders and appointment messages by SMS stop at once, including those already planned."]
    if kind == Consent.Kind.COUPLE_EXPORT:
        return ["The whole couple's record can no longer be exported on this partner's consent."]
    return ["It is recorded at once. Talk together about what it means for the sessions."]


def note_template_list(*, active_only: bool = True) -> list:
    """The note templates in their order: the practice's starter ones and every therapist's own."""
    templates = NoteTemplate.objects.select_related("created_by")
    if active_only:
        templates = templates.filter(active=True)
    return list(templates)


def note_template_active(template_id: int) -> NoteTemplate | None:
    """A template a note may start from (any active one: templates hold no client's words)."""
    return NoteTemplate.objects.filter(pk=template_id, active=True).first()
