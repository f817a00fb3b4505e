from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    """Consent documents: the practice's templates and versions, and each person's signature."""

    name = "documents"
    verbose_name = "Consent documents"

    def ready(self) -> None:
        from clients.panels import Panel, register_client_panel
        from documents import messages  # noqa: F401  (registers the signature request's builder)
        from documents.selectors import signature_status

        register_client_panel(
            Panel(
                name="documents",
                context=lambda client: {"document_status": signature_status(client)},
                template="documents/_client_panel.html",
                tab="documents",
            )
        )
