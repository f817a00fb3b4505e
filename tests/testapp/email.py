"""An email backend for tests that start a real worker: Django's file backend, optionally slow."""

import time

from django.conf import settings
from django.core.mail.backends.filebased import EmailBackend


class SlowFileBackend(EmailBackend):
    def send_messages(self, email_messages):
        time.sleep(settings.TEST_EMAIL_DELAY_SECONDS)  # lets a test kill a worker in the middle of a batch
        return super().send_messages(email_messages)
