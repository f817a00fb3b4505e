"""Outbox builders for referral messages: written at send time from the target row.

None of them carries anything about the person referred: subjects hold the referral reference only,
the acknowledgement and the staff notice say that a referral arrived, and a letter's text is what
the therapist wrote under a live release consent (re-checked here, so a consent withdrawn after the
letter was queued stops it).
"""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from outbox import services as outbox
from outbox.channels import Message, render_message
from outbox.models import Notification
from practice.models import User
from referrals import selectors
from referrals.models import Referral, ReferralLetter


def _site_url() -> str:
    return getattr(settings, "SITE_URL", "http://127.0.0.1:8000").rstrip("/")


@outbox.builder("referral_acknowledgement")
def referral_acknowledgement(notification: Notification) -> Message | None:
    """To the referrer: the reference number, and nothing about the person referred."""
    referral = Referral.objects.select_related("referrer").filter(pk=notification.target_id).first()
    if referral is None:
        return None
    subject = _("Referral received: %(reference)s") % {"reference": referral.reference}
    return render_message(
        "referral_acknowledgement", {"referral": referral, "referrer": referral.referrer}, subject=subject
    )


@outbox.builder("referral_notice")
def referral_notice(notification: Notification) -> Message | None:
    """To a therapist or staff member: a referral arrived, with a link. No details."""
    referral = Referral.objects.filter(pk=notification.target_id).only("reference", "status").first()
    user = notification.user
    if referral is None or referral.status != Referral.Status.NEW:
        return None  # already being handled: the notice is no longer news
    if user is None or not user.is_active or user.role not in (User.Role.THERAPIST, User.Role.STAFF):
        return None
    link = _site_url() + reverse("referrals:detail", args=[referral.pk])
    subject = _("New referral %(reference)s") % {"reference": referral.reference}
    return render_message("referral_notice", {"referral": referral, "link": link}, subject=subject)


@outbox.builder("referral_letter")
def referral_letter(notification: Notification) -> Message | None:
    """The therapist's letter, read (decrypted) at send time; only while the consent is live."""
    letter = (
        ReferralLetter.objects.select_related("referral__referrer", "referral__client")
        .filter(pk=notification.target_id)
        .first()
    )
    if letter is None or not selectors.letter_still_allowed(letter):
        return None
    subject = _("Your referral %(reference)s") % {"reference": letter.referral.reference}
    return render_message("referral_letter", {"letter": letter, "referral": letter.referral}, subject=subject)
