from django.apps import AppConfig


class ResourcesConfig(AppConfig):
    name = "resources"
    verbose_name = "Resources and workshops"

    def ready(self) -> None:
        from resources import messages  # noqa: F401  (registers the outbox builders)
