"""`seed_scale --history`: years of audit and outbox rows in bulk, spread over five years, finished
(so `manage.py archive` can move the old ones), ids only."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from outbox.models import Notification
from practice import archive
from practice.models import AuditEvent


@pytest.fixture(autouse=True)
def demo_allowed(settings, tmp_path):
    settings.ALLOW_DEMO_DATA = True
    settings.ARCHIVE_DIR = tmp_path / "archive"


def test_history_rows_are_spread_over_five_years(db):
    out = StringIO()
    call_command("seed_scale", "--history", "--audit-rows", "500", "--outbox-rows", "120", stdout=out)
    assert AuditEvent.objects.count() == 500 and Notification.objects.count() == 120
    oldest = AuditEvent.objects.order_by("at").first().at
    assert timezone.now() - oldest > timedelta(days=365 * 5 - 2)
    assert timezone.now() - AuditEvent.objects.order_by("-at").first().at < timedelta(days=10)
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}
    assert Notification.objects.first().address == ""  # decrypts: a real encrypted value
    assert not AuditEvent.objects.exclude(target_type="clients.note").exists()


def test_archive_moves_the_old_part_of_the_history(db):
    call_command("seed_scale", "--history", "--audit-rows", "300", "--outbox-rows", "60", stdout=StringIO())
    before = archive.months_ago(24)
    old_audit = AuditEvent.objects.filter(at__lt=before).count()
    old_outbox = Notification.objects.filter(send_at__lt=before).count()
    assert 150 < old_audit < 200 and 30 < old_outbox < 40  # three of the five years
    assert archive.archive("audit", before=before, batch=100).rows == old_audit
    assert archive.archive("outbox", before=before).rows == old_outbox
    assert not AuditEvent.objects.filter(at__lt=before).exists()
    assert not Notification.objects.filter(send_at__lt=before).exists()


def test_negative_counts_are_refused(db):
    with pytest.raises(CommandError):
        call_command("seed_scale", "--history", "--audit-rows", "-1", stdout=StringIO())
