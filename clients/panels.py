"""What apps above `clients` add to the therapist's client page, without `clients` importing them.

The client page belongs to this app. Homework, letters to referrers and whatever later apps know
about a unit are added as panels: each gives context for the page, optional timeline entries and
an optional template the page includes. The front desk (`frontdesk/apps.py`) registers them, as
Django's admin registers ModelAdmins, so every arrow points down.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime | date
    kind: str
    label: str
    url: str = ""


@dataclass(frozen=True)
class Panel:
    name: str
    context: Callable  # (client) -> dict merged into the page's context
    timeline: Callable | None = None  # (client) -> list[TimelineEntry]
    template: str = ""  # included in the page's side column when set


_PANELS: dict[str, Panel] = {}


def register_client_panel(panel: Panel) -> None:
    _PANELS[panel.name] = panel


def client_panels() -> list[Panel]:
    return list(_PANELS.values())
