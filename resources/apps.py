from django.apps import AppConfig


class ResourcesConfig(AppConfig):
    name = "resources"
    verbose_name = "Resources and workshops"

    def ready(self) -> None:
        from resources import drafts, messages  # noqa: F401  (messages registers the outbox builders)

        drafts.register()  # the portal's logs and reflections keep drafts
