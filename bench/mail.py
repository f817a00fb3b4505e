"""The benchmark's stub sender: stands in for the mail provider and records which message it got.

One line per message (its X-Notification-ID header) appended to a file under EMAIL_FILE_PATH, so
the benchmark can count duplicates and misses. It builds no MIME message: serialising a message is
the transport's work, measured separately with Django's file backend (bench/run.py SENDERS).
"""

import os
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend


class CountingBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        folder = Path(settings.EMAIL_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        lines = "".join(f"X-Notification-ID: {m.extra_headers['X-Notification-ID']}\n" for m in email_messages)
        with (folder / f"sent-{os.getpid()}.txt").open("a", encoding="utf-8") as log:
            log.write(lines)
        return len(email_messages)
