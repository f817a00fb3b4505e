"""The layout maths of the calendar's hour grid, apart from the database so it can be tested alone.

A column of the grid is one local day (in the viewer's zone) cut into rows of `STEP` minutes. Things
are placed by the wall clock of that day: a session at 10:30 starts on the row of 10:30 whatever the
zone it was booked in, and is as many rows tall as it lasts in real minutes. On the nights the clocks
change that is the honest picture: a session across the change starts where its start is and keeps
its real length (its label gives both times). A session across midnight is cut into two pieces, one
in each day's column, marked as continuing. Overlapping pieces share the column side by side in lanes.

The page places everything with classes (`cal-r-<row>`, `cal-s-<span>`, `cal-l<lane>-<lanes>` in
static/css/calendar.css): the Content-Security-Policy allows no inline style.
"""

import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

STEP = 5  # minutes per grid row
DAY_MINUTES = 24 * 60
DEFAULT_FIRST_HOUR, DEFAULT_LAST_HOUR = 8, 18  # shown even on an empty day
LANE_SIZES = (1, 2, 3, 4, 6)  # the lane layouts calendar.css knows; 5 overlapping use six lanes


@dataclass(frozen=True)
class Piece:
    """The part of [start, end) that falls on one local day, in wall-clock minutes from its midnight."""

    top: int
    bottom: int
    starts_before: bool = False  # began on an earlier day
    ends_after: bool = False  # goes on into the next day


@dataclass
class Placed:
    item: Any
    piece: Piece
    lane: int = 0
    lanes: int = 1
    row: int = 1
    span: int = 1
    html: str = ""  # a session's box, made once per grid (calendar_selectors._session_html)

    @property
    def lane_class(self) -> str:
        return f"cal-l{self.lane}-{self.lanes}"


@dataclass(frozen=True)
class Window:
    """The hours the grid shows, the same for every column of a page: [first_hour, last_hour)."""

    first_hour: int
    last_hour: int

    @property
    def rows(self) -> int:
        return (self.last_hour - self.first_hour) * 60 // STEP

    def row(self, minutes: int) -> int:
        """The 1-based grid row on which `minutes` (from midnight) begins."""
        return max(minutes - self.first_hour * 60, 0) // STEP + 1

    def span(self, top: int, bottom: int) -> int:
        first = max(top, self.first_hour * 60)
        last = min(bottom, self.last_hour * 60)
        return max(-(-(last - first) // STEP), 1)

    def hours(self) -> list[int]:
        return list(range(self.first_hour, self.last_hour))

    def hour_rows(self) -> list[tuple[str, int]]:
        """Each hour's label and the row it begins on, for the axis."""
        return [(f"{hour:02d}:00", self.row(hour * 60)) for hour in self.hours()]

    @property
    def rows_per_hour(self) -> int:
        return 60 // STEP


@dataclass
class Column:
    """What one column shows: pieces of sessions, working hours and time off."""

    day: date
    sessions: list[Placed] = field(default_factory=list)
    hours: list[Placed] = field(default_factory=list)
    time_off: list[Placed] = field(default_factory=list)


def midnight(day: date, zone: zoneinfo.ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def piece(start: datetime, end: datetime, day: date, zone: zoneinfo.ZoneInfo) -> Piece | None:
    """The piece of [start, end) on local `day`, or None when it does not touch that day."""
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    if local_start.date() > day or end <= midnight(day, zone) or end <= start:
        return None
    if local_start.date() < day:
        top, starts_before = 0, True
    else:
        top, starts_before = local_start.hour * 60 + local_start.minute, False
    if local_end.date() > day and not (local_end.date() == day + timedelta(days=1) and local_end.time() == time.min):
        return Piece(top, DAY_MINUTES, starts_before, ends_after=True)
    if starts_before:
        bottom = local_end.hour * 60 + local_end.minute or DAY_MINUTES
    else:
        bottom = top + int((end - start).total_seconds() // 60)  # real minutes (see the module's note)
    return Piece(top, min(max(bottom, top + 1), DAY_MINUTES), starts_before, ends_after=False)


def lay_out(items: Iterable[tuple[Any, Piece]]) -> list[Placed]:
    """Lanes for overlapping pieces: a group of pieces that overlap one another (directly or through
    a chain) shares the column; each piece takes the lowest lane free when it starts."""
    ordered = sorted(items, key=lambda pair: (pair[1].top, -pair[1].bottom))
    placed: list[Placed] = []
    group: list[Placed] = []
    group_end = -1
    for item, part in ordered:
        if part.top >= group_end:
            _close(group)
            group, group_end = [], -1
        busy = {p.lane for p in group if p.piece.bottom > part.top}
        lane = next(n for n in range(len(group) + 1) if n not in busy)
        entry = Placed(item=item, piece=part, lane=lane)
        group.append(entry)
        placed.append(entry)
        group_end = max(group_end, part.bottom)
    _close(group)
    return placed


def _close(group: list[Placed]) -> None:
    if not group:
        return
    needed = max(p.lane for p in group) + 1
    lanes = next((size for size in LANE_SIZES if size >= needed), LANE_SIZES[-1])
    for entry in group:
        entry.lanes = lanes
        entry.lane = min(entry.lane, lanes - 1)


def window_for(pieces: Iterable[Piece]) -> Window:
    """Office hours by default, widened to every hour something is placed in."""
    first, last = DEFAULT_FIRST_HOUR, DEFAULT_LAST_HOUR
    for part in pieces:
        first = min(first, part.top // 60)
        last = max(last, -(-part.bottom // 60))
    return Window(first, last)


def place(placed: list[Placed], window: Window) -> list[Placed]:
    """Rows and spans for pieces inside `window` (which was made to hold them all)."""
    for entry in placed:
        entry.row = window.row(entry.piece.top)
        entry.span = window.span(entry.piece.top, entry.piece.bottom)
    return placed


def weekly_blocks(blocks, *, day: date, zone: zoneinfo.ZoneInfo, own_zone: zoneinfo.ZoneInfo) -> list[Piece]:
    """Working hours are a weekly pattern in the therapist's own zone (`own_zone`): the pieces of it
    that fall on the viewer's local `day`. Blocks of the day before and after are looked at too, since
    a zone a few hours away moves them across midnight."""
    pieces = []
    for own_day in (day - timedelta(days=1), day, day + timedelta(days=1)):
        for block in blocks:
            if block.weekday != own_day.weekday():
                continue
            start = datetime.combine(own_day, block.start, tzinfo=own_zone)
            end_time = block.end
            end = datetime.combine(own_day, end_time, tzinfo=own_zone)
            if end_time == time(23, 59):
                end = midnight(own_day + timedelta(days=1), own_zone)  # "until the end of the day"
            found = piece(start, end, day, zone)
            if found is not None:
                pieces.append(found)
    return pieces


def slot_starts(day: date, window: Window, zone: zoneinfo.ZoneInfo) -> list[datetime]:
    """The start of each hour the grid shows on `day` that exists on the clock (the hour the clocks
    skip in spring has no slot; the hour they repeat in autumn has one, its first)."""
    starts = []
    for hour in window.hours():
        wall = datetime.combine(day, time(hour), tzinfo=zone)
        real = wall.astimezone(zoneinfo.ZoneInfo("UTC")).astimezone(zone)
        if real.replace(tzinfo=None) == wall.replace(tzinfo=None):
            starts.append(wall)
    return starts


def now_row(now: datetime, day: date, window: Window, zone: zoneinfo.ZoneInfo) -> int | None:
    """The row of the "now" line, when now is on `day` and inside the window."""
    local = now.astimezone(zone)
    minutes = local.hour * 60 + local.minute
    if local.date() != day or not window.first_hour * 60 <= minutes < window.last_hour * 60:
        return None
    return window.row(minutes)
