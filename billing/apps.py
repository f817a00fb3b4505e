from django.apps import AppConfig


class BillingConfig(AppConfig):
    """Fees, charges from attendance, payments and balances (docs/architecture.md, "Billing")."""

    name = "billing"
    verbose_name = "Billing"

    def ready(self) -> None:
        from billing import exports, panels, services
        from clients.export import register_export_section
        from clients.panels import Panel, register_client_panel
        from sessions_app.panels import AppointmentPanel, register_appointment_panel
        from sessions_app.signals import appointment_status_changed

        # A session's status change charges, voids or re-issues in the same transaction.
        appointment_status_changed.connect(services.on_appointment_status_changed, dispatch_uid="billing.charge_sync")
        register_client_panel(
            Panel(
                name="billing",
                context=panels.client_context,
                template="billing/_client_panel.html",
                summary="billing/_client_summary.html",
            )
        )
        register_appointment_panel(
            AppointmentPanel(
                name="billing", context=panels.appointment_context, template="billing/_appointment_panel.html"
            )
        )
        register_export_section(exports.record_section)  # the ledger in the right-of-access export
