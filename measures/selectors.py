"""Reads for pages: the therapist's measures page and chart, the client page's panel, the dashboard,
the portal list, and the export section. Each in a fixed number of queries.

The chart is drawn on the server as SVG geometry (no chart library, no CDN, no script), as the
dashboard's charts are: the severity bands behind, one line per member (both partners of a couple on
one chart), and a table with the same numbers as its text alternative.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

from django.db.models import DateTimeField, F, Max, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from clients.models import Client, Member, caseload_rows, co_treated_ids
from clients.selectors import DISPLAY_NAME_FIELDS
from measures import definitions
from measures.models import MeasureAssignment, MeasureRequest, MeasureResponse
from practice.middleware import current_request_context
from practice.models import AuditAction, AuditEvent, User

WIDTH, HEIGHT = 600, 220
LEFT, RIGHT, TOP, BOTTOM = 40, 16, 10, 26
LINES = [("#1f4e5f", ""), ("#b5452a", "6 4"), ("#5b3f8c", "2 3")]  # colour and dash, told apart without colour
GOOD_TO_BAD = ["#e6f2ea", "#f3f6dc", "#fbf0d5", "#f9e1cf", "#f4d2d2"]


def audit_reads(*, user: User, rows: list, client_id: int) -> None:
    """One `view` audit row per response shown, in one insert (the page's query count stays fixed)."""
    context = current_request_context()
    AuditEvent.objects.bulk_create(
        AuditEvent(
            actor_id=user.pk,
            action=AuditAction.VIEW,
            target_type=row._meta.label_lower,
            target_id=str(row.pk),
            client_id=client_id,
            request_id=context.request_id,
            ip=context.ip,
        )
        for row in rows
    )


def _definition(slug: str) -> dict | None:
    try:
        return definitions.get_definition(slug)
    except KeyError:
        return None


def chart(definition: dict, series: list[tuple[Member, list[MeasureResponse]]]) -> dict:
    """SVG geometry for one instrument: severity bands behind, one line per member."""
    low, high = definition["scoring"]["range"]
    plot_h = HEIGHT - TOP - BOTTOM
    plot_w = WIDTH - LEFT - RIGHT

    def y(value: float) -> float:
        return round(TOP + plot_h * (high - value) / (high - low), 1)

    bands = definition["bands"]
    worse_up = definition["direction"] == "higher_is_worse"
    band_rows = []
    for index, band in enumerate(bands):
        step = index * (len(GOOD_TO_BAD) - 1) // max(len(bands) - 1, 1)
        top, bottom = y(min(band["to"] + 0.5, high)), y(max(band["from"] - 0.5, low))
        band_rows.append(
            {
                "label": band["label"],
                "y": top,
                "height": round(bottom - top, 1),
                "label_y": round((top + bottom) / 2 + 3, 1),
                "colour": GOOD_TO_BAD[step if worse_up else len(GOOD_TO_BAD) - 1 - step],
                "range": f"{band['from']}–{band['to']}",
            }
        )
    times = [r.submitted_at for _m, rows in series for r in rows]
    first, last = (min(times), max(times)) if times else (None, None)

    def x(at: datetime) -> float:
        if first is None or first == last:
            return LEFT + plot_w / 2
        return round(LEFT + plot_w * (at - first).total_seconds() / (last - first).total_seconds(), 1)

    lines, table = [], []
    for index, (member, rows) in enumerate(series):
        colour, dash = LINES[index % len(LINES)]
        points = []
        for row in rows:
            total = row.score_values.get("total")
            if total is None:
                continue
            points.append(
                {
                    "x": x(row.submitted_at),
                    "y": y(total),
                    "total": total,
                    "at": row.submitted_at,
                    "band": row.score_values.get("band", ""),
                }
            )
            table.append(
                {
                    "member": member,
                    "at": row.submitted_at,
                    "total": total,
                    "band": row.score_values.get("band", ""),
                    "response": row,
                }
            )
        lines.append(
            {
                "member": member,
                "colour": colour,
                "dash": dash,
                "points": points,
                "path": " ".join(f"{p['x']},{p['y']}" for p in points),
            }
        )
    cutoff = definition.get("cutoff")
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "plot_width": plot_w,
        "bottom": HEIGHT - BOTTOM,
        "bands": band_rows,
        "lines": lines,
        "ticks": [{"value": v, "y": y(v)} for v in (low, (low + high) // 2, high)],
        "cutoff": {"y": y(cutoff["below"]), "value": cutoff["below"], "label": cutoff["label"]} if cutoff else None,
        "first": first,
        "last": last,
        "table": sorted(table, key=lambda r: (r["at"], r["member"].position)),
        "higher_is_better": definition["direction"] == "higher_is_better",
    }


def client_measures_page(*, client: Client) -> dict:
    """Every instrument this unit answered or was given: a chart with each member's line, the latest
    answers per member, the live assignments and the open requests. Six queries."""
    members = list(client.members.order_by("position"))
    responses = list(MeasureResponse.objects.filter(client=client).order_by("submitted_at", "pk"))
    assignments = list(
        MeasureAssignment.objects.filter(client=client, ended_at=None).select_related("member").order_by("created_at")
    )
    open_requests = list(
        MeasureRequest.objects.filter(assignment__client=client, status=MeasureRequest.Status.OPEN)
        .select_related("member", "assignment")
        .order_by("due_at")
    )
    by_instrument: dict[str, list[MeasureResponse]] = defaultdict(list)
    for row in responses:
        by_instrument[row.instrument].append(row)
    slugs = list(dict.fromkeys([*by_instrument, *(a.instrument for a in assignments)]))
    instruments = []
    for slug in slugs:
        definition = _definition(slug)
        if definition is None:
            continue
        rows = by_instrument.get(slug, [])
        series = [(m, [r for r in rows if r.member_id == m.pk]) for m in members]
        latest = [_latest(definition, m, own) for m, own in series if own]
        instruments.append({"definition": definition, "chart": chart(definition, series), "latest": latest})
    return {
        "members": members,
        "instruments": instruments,
        "assignments": [{"assignment": a, "definition": _definition(a.instrument)} for a in assignments],
        "open_requests": [{"request": r, "definition": _definition(r.assignment.instrument)} for r in open_requests],
        "responses": responses,
        "available": definitions.available(),
    }


def _latest(definition: dict, member: Member, rows: list[MeasureResponse]) -> dict:
    row = rows[-1]
    return {"member": member, "response": row, "score": row.score_values, "answers": answered(definition, row)}


def answered(definition: dict, row: MeasureResponse) -> list[dict]:
    """Each question with the answer given (its label) and its score."""
    values = row.answer_values
    out = []
    for item in definition["items"]:
        value = values.get(item["id"])
        label = next((o["label"] for o in definitions.options_of(definition, item) if o["value"] == value), "—")
        score = None if value is None else definitions.item_score(definition, item, value)
        risk = "risk_above" in item and score is not None and score > item["risk_above"]
        out.append({"item": item, "label": label, "score": score, "risk": risk})
    return out


def client_panel(*, client: Client) -> dict:
    """The client page's panel: how many open requests, and each member's latest score per instrument. Two queries."""
    latest_ids = (
        MeasureResponse.objects.filter(client=client).values("member_id", "instrument").annotate(last=Max("pk"))
    )
    rows = MeasureResponse.objects.filter(pk__in=[r["last"] for r in latest_ids]).select_related("member")
    open_count = MeasureRequest.objects.filter(assignment__client=client, status=MeasureRequest.Status.OPEN).count()
    latest = []
    for row in sorted(rows, key=lambda r: (r.instrument, r.member.position)):
        definition = _definition(row.instrument)
        latest.append(
            {"row": row, "name": definition["name"] if definition else row.instrument, "score": row.score_values}
        )
    return {"measures_latest": latest, "measures_open": open_count}


# What the dashboard's measures panel shows (templates/measures/_dashboard.html): the unit's
# reference, the member's display name, the instrument and the time. Reading whole rows decrypted
# every member's contact columns and every response's answers and score (100 responses) to show none.
_MEMBER_SHOWN = [f"member__{name}" for name in DISPLAY_NAME_FIELDS]
_DUE_SHOWN = (
    "id",
    "assignment_id",
    "member_id",
    "due_at",
    "assignment__id",
    "assignment__client_id",
    "assignment__instrument",
    "assignment__client__id",
    "assignment__client__reference",
    *_MEMBER_SHOWN,
)
_COMPLETED_SHOWN = (
    "id",
    "client_id",
    "member_id",
    "instrument",
    "submitted_at",
    "client__id",
    "client__reference",
    *_MEMBER_SHOWN,
)


_NEVER = datetime(1970, 1, 1, tzinfo=UTC)


def dashboard_measures(*, therapist, now: datetime, co_treated: list[int] | None = None) -> dict:
    """Measures due (open requests) and completed since each unit's last session, for the units
    `therapist` treats. Two queries through the therapist's indexes (CaseloadCopy), two more for
    co-treated units."""
    from sessions_app.models import Appointment

    co_treated = co_treated_ids(therapist) if co_treated is None else co_treated

    def due_rows(condition: Q):
        return (
            MeasureRequest.objects.filter(condition, status=MeasureRequest.Status.OPEN, due_at__lte=now + _lead())
            .select_related("assignment__client", "member")
            .only(*_DUE_SHOWN)
            .order_by("due_at")
        )

    due = caseload_rows(
        due_rows, model=MeasureRequest, therapist=therapist, co_treated=co_treated, limit=20, key=lambda r: r.due_at
    )
    # Each response's unit's last attended session, read per response from the unit's own sessions (an
    # index probe): the aggregate over every attended session of every unit the therapist treats read
    # a million sessions at size L (the dashboard 142 -> 440 ms from S to L on PostgreSQL).
    last_attended = (
        Appointment.objects.filter(client=OuterRef("client_id"), start__lte=now, status=Appointment.Status.ATTENDED)
        .order_by("-start")
        .values("start")[:1]
    )

    # Of the caseload's newest 100 answers, those given since their unit's last session, the newest 20:
    # chosen in the statement, so only the rows shown are read (reading the 100 and choosing here made
    # and decrypted 100 rows to show 20).
    def completed_rows(condition: Q):
        newest = MeasureResponse.objects.filter(condition).order_by("-submitted_at").values("pk")[:100]
        return (
            MeasureResponse.objects.filter(pk__in=newest)
            # A unit never seen yet counts from the start of time: one probe of its sessions a row (an OR
            # of "none" and "after it" probed twice).
            .alias(last_session=Coalesce(Subquery(last_attended), Value(_NEVER, output_field=DateTimeField())))
            .filter(submitted_at__gt=F("last_session"))
            .select_related("client", "member")
            .only(*_COMPLETED_SHOWN)  # not the answers or the score: the panel shows neither
            .order_by("-submitted_at")
        )

    completed = caseload_rows(
        completed_rows,
        model=MeasureResponse,
        therapist=therapist,
        co_treated=co_treated,
        limit=20,
        key=lambda r: r.submitted_at,
        newest=True,
    )
    return {
        "measures_due": [{"request": r, "name": _name(r.assignment.instrument)} for r in due],
        "measures_completed": [{"response": r, "name": _name(r.instrument)} for r in completed],
    }


def _lead():
    from measures.schedule import LEAD

    return LEAD


def _name(slug: str) -> str:
    definition = _definition(slug)
    return definition["name"] if definition else slug


def portal_requests(*, member: Member) -> list[dict]:
    """The member's own open questionnaires (never the partner's). One query."""
    rows = MeasureRequest.objects.filter(member=member, status=MeasureRequest.Status.OPEN).select_related("assignment")
    return [{"request": r, "definition": _definition(r.assignment.instrument)} for r in rows.order_by("due_at")]


def export_section(scope) -> dict | None:
    """The right-of-access export: the member's own answers and scores (the whole unit's only for a
    whole-unit export). Registered with clients.export. One query."""
    rows = MeasureResponse.objects.filter(Q(client=scope.client) & scope.own()).select_related("member")
    out = []
    for row in rows.order_by("submitted_at", "pk"):
        definition = _definition(row.instrument)
        out.append(
            {
                "id": row.pk,
                "member": row.member_id,
                "instrument": definition["name"] if definition else row.instrument,
                "submitted_at": row.submitted_at,
                "via": row.via,
                "answers": row.answer_values,
                "score": row.score_values,
            }
        )
    return {"measures": out} if out else None
