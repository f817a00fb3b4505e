"""What apps above `sessions_app` add to one session's page (`sessions_app:appointment`).

The same shape as `clients.panels`: a higher app registers a panel from its `AppConfig.ready()`
(billing shows the session's service and charge), so every import points down.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class AppointmentPanel:
    name: str
    context: Callable  # (appointment, user) -> dict merged into the page's context
    template: str  # included below the session's actions


_PANELS: dict[str, AppointmentPanel] = {}


def register_appointment_panel(panel: AppointmentPanel) -> None:
    _PANELS[panel.name] = panel


def appointment_panels() -> list[AppointmentPanel]:
    return list(_PANELS.values())
