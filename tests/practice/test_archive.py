"""Archiving old audit and outbox rows (practice/archive.py, `manage.py archive`): every old row is
moved exactly once into a recorded, encrypted file, nothing is lost, recent and unfinished rows stay,
a failure moves nothing, and the archive is itself audited."""

import gzip
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from outbox.models import Notification
from practice import archive
from practice.models import ArchiveBatch, AuditAction, AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture(autouse=True)
def archive_dir(settings, tmp_path):
    settings.ARCHIVE_DIR = tmp_path / "archive"
    return settings.ARCHIVE_DIR


def _audit(days_ago: int, **kwargs) -> AuditEvent:
    return AuditEvent.objects.create(
        at=timezone.now() - timedelta(days=days_ago), action=AuditAction.VIEW, target_type="clients.note", **kwargs
    )


def _message(days_ago: int, status=Notification.Status.SENT, n=[0]) -> Notification:  # noqa: B006
    n[0] += 1
    return Notification.objects.create(
        kind="reminder",
        key=f"archive-test:{n[0]}",
        send_at=timezone.now() - timedelta(days=days_ago),
        status=status,
        address=f"person{n[0]}@example.org",
        reference="C-TEST",
    )


def _archived_rows(source: str) -> list[dict]:
    return [row for batch in ArchiveBatch.objects.filter(source=source) for row in archive.read_batch(batch)]


def test_old_audit_rows_move_exactly_once_and_come_back_whole():
    actor = UserFactory()
    old = [_audit(800 + i, actor=actor, target_id=str(i), client_id=i, ip="192.0.2.1") for i in range(5)]
    recent = [_audit(10, target_id="r1"), _audit(0, target_id="r2")]
    before = archive.months_ago(24)

    result = archive.archive("audit", before=before, batch=2)

    assert result.rows == 5 and len(result.files) == 3
    assert not AuditEvent.objects.filter(pk__in=[e.pk for e in old]).exists()
    assert set(AuditEvent.objects.filter(pk__in=[e.pk for e in recent]).values_list("pk", flat=True)) == {
        e.pk for e in recent
    }
    rows = _archived_rows("audit")
    assert sorted(r["id"] for r in rows) == [e.pk for e in old]  # each once, none missing
    first = next(r for r in rows if r["id"] == old[0].pk)
    assert first["actor_id"] == actor.pk and first["target_id"] == "0" and first["ip"] == "192.0.2.1"
    assert first["at"] == old[0].at.isoformat()

    again = archive.archive("audit", before=before, batch=2)
    assert again.rows == 0 and again.files == []
    assert ArchiveBatch.objects.filter(source="audit").count() == 3


def test_the_archive_is_itself_audited():
    _audit(900)
    archive.archive("audit", before=archive.months_ago(24))
    batch = ArchiveBatch.objects.get()
    event = AuditEvent.objects.get(action=AuditAction.ARCHIVED)
    assert (event.target_type, event.target_id) == ("practice.archivebatch", str(batch.pk))
    assert batch.rows == 1 and batch.first_id == batch.last_id


def test_only_finished_old_messages_leave_the_outbox():
    sent, cancelled, failed = (
        _message(900),
        _message(900, Notification.Status.CANCELLED),
        _message(900, Notification.Status.FAILED),
    )
    pending, queued, recent = _message(900, Notification.Status.PENDING), _message(900, "queued"), _message(5)

    result = archive.archive("outbox", before=archive.months_ago(24))

    assert result.rows == 3
    assert set(Notification.objects.values_list("pk", flat=True)) == {pending.pk, queued.pk, recent.pk}
    rows = {r["id"]: r for r in _archived_rows("outbox")}
    assert set(rows) == {sent.pk, cancelled.pk, failed.pk}
    # The address is kept (in the file, which is encrypted as a whole): nothing lost.
    assert rows[sent.pk]["address"] == sent.address


def test_the_file_is_encrypted_and_compressed(archive_dir):
    _message(900)
    archive.archive("outbox", before=archive.months_ago(24))
    (path,) = archive_dir.glob("*.enc")
    raw = path.read_bytes()
    assert b"example.org" not in raw and b"C-TEST" not in raw
    with pytest.raises(gzip.BadGzipFile):
        gzip.decompress(raw)


def test_a_failed_write_moves_nothing(monkeypatch, archive_dir):
    old = [_audit(900 + i) for i in range(3)]

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(archive.os, "replace", full_disk)
    with pytest.raises(OSError):
        archive.archive("audit", before=archive.months_ago(24))

    assert AuditEvent.objects.filter(pk__in=[e.pk for e in old]).count() == 3
    assert not ArchiveBatch.objects.exists()
    assert list(archive_dir.iterdir()) == []


def test_a_file_left_by_a_run_that_died_is_removed_and_its_rows_archived_once(archive_dir):
    old = _audit(900)
    archive_dir.mkdir(parents=True, exist_ok=True)
    orphan = archive_dir / f"audit-{old.pk:012d}-{old.pk:012d}-19700101T000000000000.jsonl.gz.enc"
    orphan.write_bytes(b"written before a crash, never committed")

    result = archive.archive("audit", before=archive.months_ago(24))

    assert result.orphans_removed == 1 and not orphan.exists()
    assert [r["id"] for r in _archived_rows("audit")] == [old.pk]


def test_a_damaged_file_is_refused(archive_dir):
    _audit(900)
    archive.archive("audit", before=archive.months_ago(24))
    batch = ArchiveBatch.objects.get()
    path = archive_dir / batch.file
    path.write_bytes(path.read_bytes()[:-5])
    with pytest.raises(archive.ArchiveError):
        list(archive.read_batch(batch))


def test_the_future_cannot_be_archived():
    with pytest.raises(archive.ArchiveError):
        archive.archive("audit", before=timezone.now() + timedelta(days=1))


def test_months_ago_clamps_the_day():
    now = timezone.now().replace(year=2026, month=3, day=31)
    assert archive.months_ago(1, now).date().isoformat() == "2026-02-28"
    assert archive.months_ago(24, now).date().isoformat() == "2024-03-31"
    assert archive.months_ago(13, now).date().isoformat() == "2025-02-28"


def test_command_dry_run_moves_nothing_then_moves():
    _audit(900)
    _message(900)
    out = StringIO()
    call_command("archive", "--older-than-months", "24", "--dry-run", stdout=out)
    assert "audit: 1 rows" in out.getvalue() and "outbox: 1 rows" in out.getvalue()
    assert not ArchiveBatch.objects.exists()

    out = StringIO()
    call_command("archive", "--older-than-months", "24", stdout=out)
    assert "audit: 1 rows" in out.getvalue() and "outbox: 1 rows" in out.getvalue()
    assert ArchiveBatch.objects.count() == 2


@pytest.mark.parametrize(
    "args",
    [
        ["--older-than-months", "0"],
        ["--older-than-months", "3", "--source", "nope"],
        ["--older-than-months", "3", "--batch", "0"],
    ],
)
def test_command_refuses_bad_input_clearly(args):
    with pytest.raises(CommandError):
        call_command("archive", *args)


def test_command_without_a_backup_key_says_so(settings):
    settings.BACKUP_ENCRYPTION_KEY = ""
    _audit(900)
    with pytest.raises(CommandError, match="BACKUP_ENCRYPTION_KEY"):
        call_command("archive", "--older-than-months", "24")
    assert AuditEvent.objects.count() == 1


def test_the_trail_still_refuses_other_deletes():
    """On PostgreSQL the trigger lets through only the archive's deletion of rows older than its
    cutoff; a plain DELETE (or one of a recent row with the setting) is still refused."""
    event = _audit(900)
    recent = _audit(1)
    if connection.vendor != "postgresql":
        with pytest.raises(PermissionError):
            AuditEvent.objects.filter(pk=event.pk).delete()
        return
    from django.db import DatabaseError, transaction

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM practice_auditevent WHERE id = %s", [event.pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('practice.archive_before', %s, true)", [archive.months_ago(24).isoformat()])
        cursor.execute("DELETE FROM practice_auditevent WHERE id = %s", [recent.pk])
    assert AuditEvent.objects.filter(pk__in=[event.pk, recent.pk]).count() == 2
