from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "referrals"

    def ready(self) -> None:
        from clients.concern_links import concern_index_rebuild
        from practice.key_rotation import register_reindex
        from referrals import messages  # noqa: F401  (registers the outbox builders)
        from referrals.models import ReferralConcern

        register_reindex("the referrals' concern index", lambda: concern_index_rebuild(ReferralConcern))

        # The sources chart's counts (referrals.counts) move with every saved or deleted referral, every
        # unit whose status crosses "became a client" and every referrer whose kind changes.
        from referrals import counts

        counts.connect()

        from django.utils.translation import gettext_lazy as _

        from outbox.kinds import register_kind_labels

        register_kind_labels(
            {
                "referral_acknowledgement": _("Referral received (to the referrer)"),
                "referral_notice": _("New referral (to the practice)"),
                "referral_letter": _("Letter to a referrer"),
            }
        )
