from django.apps import AppConfig


class MeasuresConfig(AppConfig):
    """Standard questionnaires sent on a schedule, scored, charted (a sibling of billing and resources)."""

    name = "measures"
    verbose_name = "Measures"

    def ready(self) -> None:
        from clients.export import register_export_section
        from clients.panels import Panel, register_client_panel
        from measures import definitions, drafts, messages, schedule, selectors  # noqa: F401 (messages registers the builder)
        from sessions_app.signals import appointment_status_changed

        definitions.shipped()  # a broken shipped definition stops start-up with its problems named
        drafts.register()
        appointment_status_changed.connect(schedule.on_appointment_status_changed, dispatch_uid="measures.withdraw")
        register_client_panel(
            Panel(
                name="measures",
                context=lambda client: selectors.client_panel(client=client),
                template="measures/_client_panel.html",
            )
        )
        register_export_section(selectors.export_section)  # a member's own measures only

        from django.utils.translation import gettext_lazy as _

        from outbox.kinds import register_kind_labels

        register_kind_labels({schedule.REQUEST: _("Questionnaire request")})
