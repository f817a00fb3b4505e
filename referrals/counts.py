"""The sources chart's counts, kept up to date: referrals per referrer kind and UTC month, and how
many became clients (`ReferralMonth`).

Why: counting the year's referrals on every dashboard grows with the practice (13-28 ms over
10,000 referrals at size L). The rows here are at most 5 kinds x 12 months a year, whatever the size.

How they stay exact:
- Every saved or deleted referral, every unit whose status crosses "became a client", and every
  referrer whose kind changes moves the counts in the same transaction, by an upsert that
  increments, so two requests at once add up rather than overwrite. Signals, so the admin's edits count too.
- A referral counts in the month of its `created_at` in UTC; the chart shows the viewer's months, and
  moves the few referrals near a month's edge whose local month differs (`local_counts`).
- A bulk load sends no signals: it calls `rebuild()` afterwards (`seed_scale`, the migration).
  `manage.py referral_counts` checks the rows against the referrals, and rebuilds them; beat runs
  the rebuild nightly, so nothing a signal cannot see (a raw SQL edit, a restore) lasts past a day.
"""

import logging
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

from django.db import connection, transaction
from django.db.models import BooleanField, Case, Count, Exists, OuterRef, Q, Value, When
from django.db.models.functions import TruncMonth
from django.db.models.signals import post_init, post_save, pre_delete, pre_save

from clients.models import Client
from referrals.models import Referral, ReferralMonth, Referrer

logger = logging.getLogger(__name__)

BECAME_CLIENT = (Client.Status.ACTIVE, Client.Status.PAUSED, Client.Status.DISCHARGED)

# "Became a client", asked of each referral only when it has a unit (the CASE fixes the order): a join
# to the units would read every unit of the practice (a hash of 50,000 at size L) to count referrals
# most of which never had one.
BECAME = Case(
    When(client__isnull=True, then=Value(False)),
    default=Exists(Client.objects.filter(pk=OuterRef("client_id"), status__in=BECAME_CLIENT)),
    output_field=BooleanField(),
)

# Each month's edge in the viewer's zone is widened by this much either side, for a zone whose
# midnight falls in a change of clocks (the local start of such a day is then an hour or so off).
MARGIN = timedelta(hours=3)


def utc_month(moment: datetime) -> date:
    return moment.astimezone(UTC).date().replace(day=1)


UPSERT = (
    "ON CONFLICT (month, kind) DO UPDATE SET total = {table}.total + excluded.total, "
    "became = {table}.became + excluded.became"
)


def _add(month: date, kind: str, total: int, became: int) -> None:
    """Add to one month's counts in one statement (an upsert that increments): two requests at once
    both count, and the first referral of a month makes its row."""
    if not total and not became:
        return
    table = ReferralMonth._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (month, kind, total, became) VALUES (%s, %s, %s, %s) "  # nosec B608 # noqa: S608
            + UPSERT.format(table=table),
            [month, kind, total, became],
        )


def _add_for(month: date, referrer_id: int, total: int, became: int) -> None:
    """`_add` for a referrer's kind as the database holds it now, read in the same statement."""
    if not total and not became:
        return
    table, referrers = ReferralMonth._meta.db_table, Referrer._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (month, kind, total, became) "  # nosec B608 # noqa: S608
            f"SELECT %s, kind, %s, %s FROM {referrers} WHERE id = %s " + UPSERT.format(table=table),
            [month, total, became, referrer_id],
        )


# --- What each row looked like when it was read (so a save knows what it changes) ----------------

REFERRAL_FIELDS = ("created_at", "referrer_id", "client_id")
REFERRAL_NAMES = {"created_at", "referrer", "referrer_id", "client", "client_id"}


def _loaded(instance, fields) -> bool:
    """Read from the database with these fields (post_init runs before `from_db` marks the row as
    read, so the primary key tells a read row from a new one)."""
    return instance.pk is not None and not (set(fields) & instance.get_deferred_fields())


def _remember_referral(sender, instance, **kwargs) -> None:
    loaded = _loaded(instance, REFERRAL_FIELDS)
    instance._counted_as = tuple(getattr(instance, f) for f in REFERRAL_FIELDS) if loaded else None


def _remember_status(sender, instance, **kwargs) -> None:
    instance._counted_status = instance.status if _loaded(instance, ["status"]) else None


def _remember_kind(sender, instance, **kwargs) -> None:
    instance._counted_kind = instance.kind if _loaded(instance, ["kind"]) else None


def _touches(update_fields, names) -> bool:
    return update_fields is None or bool(set(update_fields) & names)


def _referral_before(sender, instance, raw=False, update_fields=None, **kwargs) -> None:
    """A referral read without its counted fields (`.only()`) reads them now, before the save."""
    if not raw and not instance._state.adding and getattr(instance, "_counted_as", None) is None:
        instance._counted_as = Referral.objects.filter(pk=instance.pk).values_list(*REFERRAL_FIELDS).first()


def _client_before(sender, instance, raw=False, **kwargs) -> None:
    if not raw and not instance._state.adding and getattr(instance, "_counted_status", None) is None:
        instance._counted_status = Client.objects.filter(pk=instance.pk).values_list("status", flat=True).first()


def _referrer_before(sender, instance, raw=False, **kwargs) -> None:
    if not raw and not instance._state.adding and getattr(instance, "_counted_kind", None) is None:
        instance._counted_kind = Referrer.objects.filter(pk=instance.pk).values_list("kind", flat=True).first()


def _became(client_id) -> bool:
    return client_id is not None and Client.objects.filter(pk=client_id, status__in=BECAME_CLIENT).exists()


def _referral_saved(sender, instance, created, raw=False, update_fields=None, **kwargs) -> None:
    if raw or not _touches(update_fields, REFERRAL_NAMES):
        return
    old = None if created else getattr(instance, "_counted_as", None)
    new = instance._counted_as = tuple(getattr(instance, f) for f in REFERRAL_FIELDS)
    if old == new:
        return
    month, became = utc_month(new[0]), _became(new[2])
    if old is None:
        _add_for(month, new[1], 1, int(became))
        return
    was_month = utc_month(old[0])
    was_became = became if old[2] == new[2] else _became(old[2])
    if (was_month, old[1]) == (month, new[1]):
        _add_for(month, new[1], 0, int(became) - int(was_became))
    else:
        _add_for(was_month, old[1], -1, -int(was_became))
        _add_for(month, new[1], 1, int(became))


def _referral_deleted(sender, instance, **kwargs) -> None:
    state = Referral.objects.filter(pk=instance.pk).values_list(*REFERRAL_FIELDS).first()
    if state is not None:
        _add_for(utc_month(state[0]), state[1], -1, -int(_became(state[2])))


def _counted(referrals) -> dict[tuple[date, str], tuple[int, int]]:
    """(UTC month, referrer kind as stored now) -> (referrals, became clients) of `referrals`: one
    query, for the rebuild and for the changes that move many referrals at once."""
    rows = (
        referrals.annotate(utc=TruncMonth("created_at", tzinfo=UTC))
        .values("utc", "referrer__kind")
        .annotate(total=Count("pk"), became=Count("pk", filter=BECAME))
        .order_by()
    )
    return {(_as_date(row["utc"]), row["referrer__kind"]): (row["total"], row["became"]) for row in rows}


def _as_date(value) -> date:
    return (value.astimezone(UTC).date() if isinstance(value, datetime) else value).replace(day=1)


def _client_saved(sender, instance, created, raw=False, update_fields=None, **kwargs) -> None:
    if raw or not _touches(update_fields, {"status"}):
        return
    before, instance._counted_status = getattr(instance, "_counted_status", None), instance.status
    if created or before is None:
        return
    was, now = before in BECAME_CLIENT, instance.status in BECAME_CLIENT
    if was != now:
        for (month, kind), (total, _became_now) in _counted(Referral.objects.filter(client_id=instance.pk)).items():
            _add(month, kind, 0, total if now else -total)


def _client_deleted(sender, instance, **kwargs) -> None:
    """Before the unit goes (its referrals keep their counts but lose "became a client")."""
    for (month, kind), (_total, became) in _counted(Referral.objects.filter(client_id=instance.pk)).items():
        _add(month, kind, 0, -became)


def _referrer_saved(sender, instance, created, raw=False, update_fields=None, **kwargs) -> None:
    """The referrer's referrals move from its old kind to its new one (already stored: post_save)."""
    if raw or not _touches(update_fields, {"kind"}):
        return
    before, instance._counted_kind = getattr(instance, "_counted_kind", None), instance.kind
    if created or before is None or before == instance.kind:
        return
    for (month, kind), (total, became) in _counted(Referral.objects.filter(referrer_id=instance.pk)).items():
        _add(month, before, -total, -became)
        _add(month, kind, total, became)


def connect() -> None:
    """From `referrals.apps`: the signals that keep the counts."""
    for model, remember in ((Referral, _remember_referral), (Client, _remember_status), (Referrer, _remember_kind)):
        post_init.connect(remember, sender=model, weak=False, dispatch_uid=f"referral-counts-{model.__name__}-init")
    for model, before in ((Referral, _referral_before), (Client, _client_before), (Referrer, _referrer_before)):
        pre_save.connect(before, sender=model, weak=False, dispatch_uid=f"referral-counts-{model.__name__}-before")
    post_save.connect(_referral_saved, sender=Referral, weak=False, dispatch_uid="referral-counts-referral-save")
    pre_delete.connect(_referral_deleted, sender=Referral, weak=False, dispatch_uid="referral-counts-referral-delete")
    post_save.connect(_client_saved, sender=Client, weak=False, dispatch_uid="referral-counts-client-save")
    pre_delete.connect(_client_deleted, sender=Client, weak=False, dispatch_uid="referral-counts-client-delete")
    post_save.connect(_referrer_saved, sender=Referrer, weak=False, dispatch_uid="referral-counts-referrer-save")
    # A referrer is never deleted while it has referrals (PROTECT): nothing to move then.


# --- Rebuilding from the referrals ---------------------------------------------------------------


def counted_from_referrals() -> dict[tuple[date, str], tuple[int, int]]:
    """(UTC month, kind) -> (referrals, became clients), counted from the referrals themselves."""
    return _counted(Referral.objects.all())


def kept() -> dict[tuple[date, str], tuple[int, int]]:
    return {
        (month, kind): (total, became)
        for month, kind, total, became in ReferralMonth.objects.values_list("month", "kind", "total", "became")
        if total or became
    }


def differences(counted: dict | None = None) -> list[tuple[date, str, tuple[int, int], tuple[int, int]]]:
    """(month, kind, kept, counted) for each month and kind whose kept counts are wrong."""
    counted, rows = counted_from_referrals() if counted is None else counted, kept()
    return [
        (month, kind, rows.get((month, kind), (0, 0)), counted.get((month, kind), (0, 0)))
        for month, kind in sorted(set(counted) | set(rows))
        if rows.get((month, kind), (0, 0)) != counted.get((month, kind), (0, 0))
    ]


def rebuild(*, after_bulk_load: bool = False) -> int:
    """Replace the kept counts by counts from the referrals; returns how many months and kinds were
    wrong (a warning in the log, unless a bulk load that sent no signals made them so). On
    PostgreSQL the table is locked first: a request that changes a count waits, then adds to the
    rebuilt row, so nothing is counted twice or lost."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {ReferralMonth._meta.db_table} IN EXCLUSIVE MODE")
        counted = counted_from_referrals()
        wrong = differences(counted)
        ReferralMonth.objects.all().delete()
        ReferralMonth.objects.bulk_create(
            ReferralMonth(month=month, kind=kind, total=total, became=became)
            for (month, kind), (total, became) in sorted(counted.items())
        )
    if wrong and not after_bulk_load:
        logger.warning("The referral sources counts were rebuilt: %d months and kinds had drifted.", len(wrong))
    return len(wrong)


# --- The viewer's months ------------------------------------------------------------------------


def local_counts(starts: list[date], zone) -> dict[tuple[date, str], tuple[int, int]]:
    """(month in `zone`, kind) -> (referrals, became clients) for the months starting `starts`.

    Two queries, neither growing with the practice's year of referrals: the kept UTC months, and the
    referrals between each UTC month's start and the same month's start in `zone` (the only ones
    whose local month differs from their UTC month: none in UTC, an hour's worth in London in
    summer), each moved from its UTC month to its local one.
    """
    chart = set(starts)
    counts: dict[tuple[date, str], list[int]] = defaultdict(lambda: [0, 0])
    kept_rows = ReferralMonth.objects.filter(month__gte=starts[0], month__lte=starts[-1])
    for month, kind, total, became in kept_rows.values_list("month", "kind", "total", "became"):
        counts[(month, kind)][0] += total
        counts[(month, kind)][1] += became

    after = starts[-1]
    firsts = [*starts, date(after.year + (after.month == 12), after.month % 12 + 1, 1)]
    near = Q()
    for first in firsts:
        utc = datetime(first.year, first.month, first.day, tzinfo=UTC)
        local = datetime(first.year, first.month, first.day, tzinfo=zone)
        if local != utc:
            near |= Q(created_at__gte=min(utc, local) - MARGIN, created_at__lt=max(utc, local) + MARGIN)
    edge_rows = []  # in UTC the viewer's months are UTC's: nothing to move, no query
    if near:
        edge_rows = (
            Referral.objects.filter(near)
            .annotate(is_client=BECAME)
            .order_by()
            .values_list("created_at", "referrer__kind", "is_client")
        )
    for created_at, kind, became in edge_rows:
        here = created_at.astimezone(zone).date().replace(day=1)
        there = utc_month(created_at)
        if here == there:
            continue
        for month, sign in ((there, -1), (here, +1)):
            if month in chart:
                counts[(month, kind)][0] += sign
                counts[(month, kind)][1] += sign if became else 0
    return {key: (max(0, total), max(0, became)) for key, (total, became) in counts.items()}
