from django.apps import AppConfig


class ResourcesConfig(AppConfig):
    name = "resources"
    verbose_name = "Resources and workshops"

    def ready(self) -> None:
        from resources import drafts, messages

        drafts.register()  # the portal's logs and reflections keep drafts

        from django.utils.translation import gettext_lazy as _

        from outbox.kinds import register_kind_labels

        register_kind_labels(
            {
                messages.ASSIGNMENT_DUE: _("Homework due tomorrow"),
                messages.WORKSHOP_TOMORROW: _("Workshop tomorrow"),
                messages.WORKSHOP_PROMOTED: _("Workshop place freed up"),
            }
        )
