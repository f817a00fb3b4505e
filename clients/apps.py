from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "clients"

    def ready(self) -> None:
        from clients import drafts, messages
        from clients.services import search_index_rebuild
        from practice.key_rotation import register_reindex

        # The search tokens are keyed from the newest field key: rebuilt after every rotation.
        register_reindex("the member search index", search_index_rebuild)

        from clients.concern_links import concern_index_rebuild, connect_taxonomy_signals
        from clients.models import ClientConcern

        connect_taxonomy_signals()
        register_reindex("the clients' concern index", lambda: concern_index_rebuild(ClientConcern))

        drafts.register()  # the note editor, the addendum and the portal questionnaire keep drafts

        from practice.mail import register_practice_name

        # allauth's mails (practice/adapters.py) to a discreet member come from the discreet name.
        register_practice_name(messages.discreet_practice_name)
        from django.utils.translation import gettext_lazy as _

        from outbox.kinds import register_kind_labels

        register_kind_labels(
            {
                "caseload_changed": _("Caseload change (to a therapist)"),
                "portal_invitation": _("Portal invitation"),
                "risk_alert": _("Risk alert (to the therapists)"),
            }
        )

        from clients.access import load_viewer_member
        from practice.middleware import register_viewer_member_loader

        register_viewer_member_loader(load_viewer_member)  # the portal reads the member once per request
