from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "clients"

    def ready(self) -> None:
        from clients import drafts, messages  # noqa: F401  (messages registers the invitation builder)
        from clients.services import search_index_rebuild
        from practice.key_rotation import register_reindex

        # The search tokens are keyed from the newest field key: rebuilt after every rotation.
        register_reindex("the member search index", search_index_rebuild)

        from clients.concern_links import concern_index_rebuild, connect_taxonomy_signals
        from clients.models import ClientConcern

        connect_taxonomy_signals()
        register_reindex("the clients' concern index", lambda: concern_index_rebuild(ClientConcern))

        drafts.register()  # the note editor, the addendum and the portal questionnaire keep drafts

        from clients.access import load_viewer_member
        from practice.middleware import register_viewer_member_loader

        register_viewer_member_loader(load_viewer_member)  # the portal reads the member once per request
