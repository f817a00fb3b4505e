from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "referrals"

    def ready(self) -> None:
        from clients.concern_links import concern_index_rebuild
        from practice.key_rotation import register_reindex
        from referrals import messages  # noqa: F401  (registers the outbox builders)
        from referrals.models import ReferralConcern

        register_reindex("the referrals' concern index", lambda: concern_index_rebuild(ReferralConcern))

        # The sources chart's cached counts (referrals.selectors) are renewed by every saved or deleted
        # referral or client: a new referral, and a client's status ("became a client").
        from django.db.models.signals import post_delete, post_save

        from clients.models import Client
        from referrals.models import Referral
        from referrals.selectors import referral_sources_changed

        def _changed(sender, **kwargs):
            referral_sources_changed()

        for model in (Referral, Client):
            post_save.connect(
                _changed, sender=model, weak=False, dispatch_uid=f"referral-sources-{model.__name__}-save"
            )
            post_delete.connect(
                _changed, sender=model, weak=False, dispatch_uid=f"referral-sources-{model.__name__}-delete"
            )

        from django.utils.translation import gettext_lazy as _

        from outbox.kinds import register_kind_labels

        register_kind_labels(
            {
                "referral_acknowledgement": _("Referral received (to the referrer)"),
                "referral_notice": _("New referral (to the practice)"),
                "referral_letter": _("Letter to a referrer"),
            }
        )
