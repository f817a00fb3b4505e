"""What apps above `clients` add to the therapist's client page, without `clients` importing them.

The client page belongs to this app. It is split into tabs (TABS below) under a summary that
stays in view; each panel says which tab its template goes in. Homework, letters to referrers and
whatever later apps know about a unit are added as panels: each gives context for the page,
optional timeline entries and an optional template the page includes. The front desk
(`frontdesk/apps.py`) registers them, as Django's admin registers ModelAdmins, so every arrow
points down.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from django.utils.translation import gettext_lazy as _

# The client page's tabs (?tab=<name>), in order. A panel names the tab it belongs in; a panel that
# names none, or a tab not listed here, lands in the overview, which is what the page opens on.
OVERVIEW = "overview"
TABS = [
    (OVERVIEW, _("Overview")),
    ("notes", _("Notes")),
    ("sessions", _("Sessions")),
    ("homework", _("Homework")),
    ("documents", _("Consents and documents")),
    ("timeline", _("Timeline")),
]
TAB_NAMES = {name for name, _label in TABS}


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
    template: str = ""  # included in the page (in its tab) when set
    tab: str = OVERVIEW  # one of TABS: where the template is included, and the one tab its context is read for
    summary: str = ""  # a <div> of <dt>/<dd> for the summary that stays in view (e.g. the balance)


def panel_tab(panel: Panel) -> str:
    return panel.tab if panel.tab in TAB_NAMES else OVERVIEW


_PANELS: dict[str, Panel] = {}


def register_client_panel(panel: Panel) -> None:
    _PANELS[panel.name] = panel


def client_panels() -> list[Panel]:
    return list(_PANELS.values())
