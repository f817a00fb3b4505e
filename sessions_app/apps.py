from django.apps import AppConfig


class SessionsAppConfig(AppConfig):
    name = "sessions_app"
    verbose_name = "Scheduling"

    def ready(self) -> None:
        from clients.panels import Panel, register_client_panel
        from sessions_app import messages  # noqa: F401  (registers the appointment message builders)
        from sessions_app.reminder_settings import client_plans

        register_client_panel(
            Panel(
                name="reminders",
                context=lambda client: {"reminder_plans": client_plans(client)},
                template="sessions_app/_client_reminders_panel.html",
            )
        )
