from django.apps import AppConfig


class SessionsAppConfig(AppConfig):
    name = "sessions_app"
    verbose_name = "Scheduling"

    def ready(self) -> None:
        from sessions_app import messages  # noqa: F401  (registers the appointment message builders)
