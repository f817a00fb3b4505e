"""Demo messages: the demo couple's joint thread (the therapist's note about the workshop and Jordan's
answer) and a private message from Jordan, the demo client, so the inbox, the client page's panel and
the portal's threads have something to show. Idempotent. Sent through the real service (encrypted,
audited, notices queued as they would be)."""

from clients.models import Client
from messaging import access, services
from messaging.models import Thread
from practice.models import Therapist


def seed_messaging() -> None:
    couple = Client.objects.get(reference="C-DEMCPL")
    if Thread.objects.filter(client=couple).exists():
        return
    therapist = Therapist.objects.get(user__email="therapist@demo.practice")
    jordan = couple.members.exclude(user=None).order_by("position").first()
    joint = access.get_practice_channel(therapist.user, couple.pk, "joint")
    services.message_send(
        channel=joint,
        by=therapist.user,
        body=(
            "Thank you both for today. The workshop dates are in the portal under Workshops, if you would like to join."
        ),
    )
    if jordan is None:
        return
    services.message_send(
        channel=access.get_portal_channel(jordan.user, "joint"),
        by=jordan.user,
        body="Thanks, we have booked the workshop. See you next week.",
    )
    services.message_send(
        channel=access.get_portal_channel(jordan.user, "private"),
        by=jordan.user,
        body="Could we talk at the start of next session about how the exercises are going for me?",
    )
