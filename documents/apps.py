from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    """Consent documents: the practice's templates and versions, and each person's signature."""

    name = "documents"
    verbose_name = "Consent documents"

    def ready(self) -> None:
        from clients.panels import Panel, register_client_panel
        from documents import messages
        from documents.selectors import signature_status
        from outbox.kinds import register_kind_labels

        register_kind_labels({messages.SIGN_REQUEST: "Documents to sign"})

        register_client_panel(
            Panel(
                name="documents",
                context=lambda client: {"document_status": signature_status(client)},
                template="documents/_client_panel.html",
                tab="documents",
            )
        )
