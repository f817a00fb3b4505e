from django.apps import AppConfig


class FrontdeskConfig(AppConfig):
    """The top floor: composes pages across apps (role homes, the dashboard, the portal, the
    client page's panels from apps above `clients`)."""

    name = "frontdesk"
    verbose_name = "Front desk"

    def ready(self) -> None:
        from clients.panels import Panel, register_client_panel
        from referrals.selectors import letters_for_client
        from resources import selectors as homework

        register_client_panel(
            Panel(
                name="homework",
                context=lambda client: homework.client_panel(client=client),
                timeline=lambda client: homework.client_timeline_entries(client=client),
                template="resources/_client_panel.html",
                tab="homework",
            )
        )
        register_client_panel(
            Panel(
                name="referral_letters",
                context=lambda client: {"referral_letters": letters_for_client(client)},
                tab="documents",  # the consents section's "Write to …" buttons
            )
        )

        from documents.releases import register_referrer_source

        register_referrer_source(_referrers_of)


def _referrers_of(client) -> list[tuple[int, str]]:
    """The professionals who referred this unit: whom a release of information may name."""
    from referrals.models import Referrer

    referrers = Referrer.objects.filter(referrals__client=client).distinct().order_by("name")
    return [(r.pk, f"{r.name}, {r.organisation}" if r.organisation else r.name) for r in referrers]
