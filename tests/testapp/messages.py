"""A message kind for outbox tests: wanted while its target exists, no clinical anything.

Like every domain builder, it names the member's address itself: the outbox reads no member column.
"""

from outbox.channels import Message
from outbox.models import Notification
from outbox.services import builder


@builder("test_message")
def test_message(notification: Notification) -> Message | None:
    to = notification.member.address_for(notification.channel) if notification.member_id else ""
    return Message(subject="Test message", text=f"Test message {notification.pk}.", sms="Test message", to=to)
