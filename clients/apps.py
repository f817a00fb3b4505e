from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "clients"

    def ready(self) -> None:
        from clients import messages  # noqa: F401  (registers the invitation message builder)
