from django.apps import AppConfig


class SessionsAppConfig(AppConfig):
    name = "sessions_app"
    verbose_name = "Scheduling"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from clients.panels import Panel, register_client_panel
        from outbox.kinds import register_kind_labels
        from sessions_app import messages  # noqa: F401  (registers the appointment message builders)
        from sessions_app import notifications as n
        from sessions_app.reminder_settings import client_plans

        register_client_panel(
            Panel(
                name="reminders",
                context=lambda client: {"reminder_plans": client_plans(client)},
                template="sessions_app/_client_reminders_panel.html",
            )
        )
        register_kind_labels(
            {
                n.REMINDER: _("Session reminder"),
                n.BOOKED: _("Session booked"),
                n.MOVED: _("Session moved"),
                n.CANCELLED: _("Session cancelled"),
                n.SERIES_BOOKED: _("Series of sessions booked"),
                n.LATE_NOTICE: _("Late cancellation notice"),
                n.SERIES_CANCELLED: _("Sessions of a series cancelled"),
                n.SERIES_MOVED: _("Sessions of a series moved"),
            }
        )
