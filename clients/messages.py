"""Messages about the client record, built at send time (see outbox.services)."""

from django.conf import settings
from django.urls import reverse

from clients.alerts import RISK_ALERT
from clients.models import Client, Member, RiskAlert
from clients.services import invitation_link
from outbox.channels import Message, render_message
from outbox.models import Notification
from outbox.services import builder


@builder("caseload_changed")
def caseload_changed(notification: Notification) -> Message | None:
    """To a therapist: a unit was assigned to them or taken off their caseload. Reference only."""
    client = Client.objects.filter(pk=notification.target_id).only("reference").first()
    user = notification.user
    if client is None or user is None or not user.is_active:
        return None
    gained = notification.context.get("gained", False)
    context = {"reference": client.reference, "gained": gained, "link": settings.SITE_URL + "/clients/"}
    subject = f"Client {client.reference} " + ("assigned to you" if gained else "is no longer assigned to you")
    return render_message("caseload_changed", context, subject=subject)


@builder("portal_invitation")
def portal_invitation(notification: Notification) -> Message | None:
    """Wanted while the member's account still has no password; the link is made now, so it is fresh."""
    member = Member.objects.select_related("user").filter(pk=notification.target_id).first()
    if member is None or member.user is None or member.user.has_usable_password() or not member.email:
        return None
    name = settings.PRACTICE_DISCREET_NAME if member.discreet_wording else settings.PRACTICE_NAME
    context = {"member": member, "link": invitation_link(member.user), "practice_name": name}
    # The subject names the practice only (its discreet name, if the member chose discreet wording).
    return render_message("invitation", context, subject=f"Your account at {name}", to=member.email)


def discreet_practice_name(user) -> str | None:
    """For `practice.mail`: the discreet name for a client who chose discreet wording (allauth's mails)."""
    if getattr(user, "pk", None) and Member.objects.filter(user_id=user.pk, discreet_wording=True).exists():
        return settings.PRACTICE_DISCREET_NAME
    return None


@builder(RISK_ALERT)
def risk_alert(notification: Notification) -> Message | None:
    """To each therapist of the unit and the clinical lead: a client needs attention. The unit's
    reference and a link only: no name, no answer, no word of what it is about (subjects and SMS are
    read on lock screens). No longer wanted once a therapist has acknowledged the alert."""
    alert = RiskAlert.objects.select_related("client").filter(pk=notification.target_id).first()
    user = notification.user
    if alert is None or not alert.is_open or user is None or not user.is_active:
        return None
    reference = alert.client.reference
    link = settings.SITE_URL + reverse("clients:alert_detail", args=[alert.client_id, alert.pk])
    text = f"A client needs your attention: {reference}. Sign in to see it."
    return render_message("risk_alert", {"reference": reference, "link": link}, subject=text, sms=text)
