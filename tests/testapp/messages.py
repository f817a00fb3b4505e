"""A message kind for outbox tests: wanted while its target exists, no clinical anything."""

from practice.channels import Message
from practice.models import Notification
from practice.outbox import builder


@builder("test_message")
def test_message(notification: Notification) -> Message | None:
    return Message(subject="Test message", text=f"Test message {notification.pk}.", sms="Test message")
