from django.apps import AppConfig


class MessagingConfig(AppConfig):
    """Secure threads between members and the practice (docs/architecture.md, "Messaging")."""

    name = "messaging"
    verbose_name = "Messaging"

    def ready(self) -> None:
        from clients.export import register_export_section
        from clients.panels import Panel, register_client_panel
        from messaging import drafts, exports, notices, panels, services  # noqa: F401  (notices registers the builders)

        drafts.register()  # the message box keeps drafts (practice/drafts.py)

        register_client_panel(
            Panel(name="messages", context=panels.client_context, template="messaging/_client_panel.html")
        )
        register_export_section(exports.record_section)

        from django.utils.translation import gettext_lazy as _

        from outbox.kinds import register_kind_labels

        register_kind_labels(
            {
                services.NOTICE_MEMBER: _("New message notice (to a client)"),
                services.NOTICE_PRACTICE: _("New message notice (to the practice)"),
                services.DIGEST: _("Daily messages digest (to a therapist)"),
            }
        )
