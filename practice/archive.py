"""Archiving old rows of the tables that grow without end (the audit trail, the outbox).

`archive(source, before=...)` moves the rows of a registered source older than `before` into
encrypted, compressed files under `settings.ARCHIVE_DIR`, a batch at a time:

1. in one transaction, read a batch of the oldest rows (by id, locked);
2. write them as gzip-compressed JSON lines, encrypted with BACKUP_ENCRYPTION_KEY (the backup's
   own key and format, `practice.backup.encrypt_file`), to a temporary file, flushed to disk, and
   give it its final name;
3. record the file (`ArchiveBatch`: rows, first and last id, checksum), audit it (`archived`), and
   delete exactly those rows; then commit.

If anything fails before the commit, the transaction rolls back and the file is removed: the rows
stay. If the process dies between the rename and the commit, the file has no `ArchiveBatch` row
and the rows are still in the table; the next run removes such files first. So each row ends up in
exactly one recorded file or still in its table, never both, never neither. `read_batch` gives
the rows back (checksum checked).

On PostgreSQL the audit trail refuses DELETE (a trigger, practice 0002); it lets through deletes of
rows older than `practice.archive_before`, a setting this module sets with SET LOCAL inside its own
transaction (practice 0014). The ORM still refuses (`AuditQuerySet.delete`).

A higher app registers its own table from its AppConfig.ready() with `register_archive_source`
(the outbox does: `outbox/apps.py`). Partitioning by month instead: docs/scaling.md.
"""

import gzip
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from practice.backup import BackupError, _backup_fernet, decrypt_file, encrypt_file

BATCH = 10_000


class ArchiveError(Exception):
    pass


@dataclass(frozen=True)
class Source:
    name: str
    model: type[models.Model]
    date_field: str
    # Only rows that are finished may go (e.g. the outbox's sent, cancelled and failed messages).
    only: Callable[[], models.Q] | None = None
    # A PostgreSQL setting the table's trigger reads to allow the deletion (the audit trail).
    guard: str = ""


_SOURCES: dict[str, Source] = {}


def register_archive_source(
    name: str, *, model, date_field: str, only: Callable[[], models.Q] | None = None, guard: str = ""
) -> None:
    _SOURCES[name] = Source(name, model, date_field, only, guard)


def sources() -> dict[str, Source]:
    return dict(_SOURCES)


@dataclass
class ArchiveResult:
    source: str
    rows: int = 0
    files: list[str] = field(default_factory=list)
    orphans_removed: int = 0


def months_ago(months: int, now: datetime | None = None) -> datetime:
    """The same moment `months` calendar months back (the day clamped to the month's length)."""
    now = now or timezone.now()
    year, month = divmod(now.year * 12 + now.month - 1 - months, 12)
    month += 1
    days = [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    return now.replace(year=year, month=month, day=min(now.day, days[month - 1]))


def directory() -> Path:
    path = Path(settings.ARCHIVE_DIR)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _eligible(source: Source, before: datetime):
    rows = source.model._base_manager.filter(**{f"{source.date_field}__lt": before})
    if source.only is not None:
        rows = rows.filter(source.only())
    return rows


def count_eligible(name: str, *, before: datetime) -> int:
    return _eligible(_source(name), before).count()


def _source(name: str) -> Source:
    if name not in _SOURCES:
        raise ArchiveError(f"Unknown archive source {name!r}; known: {', '.join(sorted(_SOURCES))}.")
    return _SOURCES[name]


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def remove_orphans() -> int:
    """Archive files with no ArchiveBatch row: written by a run that died before its commit (their
    rows are still in their tables). Returns how many were removed."""
    from practice.models import ArchiveBatch

    known = set(ArchiveBatch.objects.values_list("file", flat=True))
    removed = 0
    for path in directory().glob("*.jsonl.gz.enc"):
        if path.name not in known:
            path.unlink()
            removed += 1
    for path in directory().glob(".partial-*"):
        path.unlink()
        removed += 1
    return removed


def archive(name: str, *, before: datetime, by=None, batch: int = BATCH) -> ArchiveResult:
    """Move every row of source `name` older than `before` into archive files, `batch` rows each."""
    source = _source(name)
    fernet = _backup_fernet()  # a missing or shared key stops here, before anything is read
    if before > timezone.now():
        raise ArchiveError("Only rows from the past can be archived.")
    result = ArchiveResult(name, orphans_removed=remove_orphans())
    while True:
        moved = _archive_batch(source, before=before, by=by, batch=batch, fernet=fernet)
        if moved is None:
            return result
        result.rows += moved[0]
        result.files.append(moved[1])


def _archive_batch(source: Source, *, before, by, batch, fernet) -> tuple[int, str] | None:
    from practice.audit import audit_record
    from practice.models import ArchiveBatch, AuditAction

    model = source.model
    columns = [f.attname for f in model._meta.concrete_fields]
    final = None
    try:
        with transaction.atomic():
            locked = _eligible(source, before).order_by("pk")
            if connection.features.has_select_for_update:
                locked = locked.select_for_update()
            rows = list(locked.values(*columns)[:batch])
            if not rows:
                return None
            first, last = rows[0]["id"], rows[-1]["id"]
            stamp = timezone.now().strftime("%Y%m%dT%H%M%S%f")
            name = f"{source.name}-{first:012d}-{last:012d}-{stamp}.jsonl.gz.enc"
            final = directory() / name
            digest = _write(rows, final, fernet)
            record = ArchiveBatch.objects.create(
                source=source.name,
                file=name,
                rows=len(rows),
                first_id=first,
                last_id=last,
                before=before,
                sha256=digest,
            )
            audit_record(actor=by, action=AuditAction.ARCHIVED, target=record)
            deleted = _delete(source, [r["id"] for r in rows], before)
            if deleted != len(rows):
                raise ArchiveError(f"{source.name}: {len(rows)} rows written but {deleted} deleted; nothing moved.")
    except BaseException:
        if final is not None:
            final.unlink(missing_ok=True)
        raise
    return len(rows), name


def _write(rows: list[dict], final: Path, fernet) -> str:
    """Compressed JSON lines, encrypted, flushed to disk, then renamed into place. Returns the
    SHA-256 of the plain (compressed) content."""
    folder = final.parent
    handle, plain_name = tempfile.mkstemp(prefix=".partial-", dir=folder)
    plain = Path(plain_name)
    sealed = folder / f".partial-{final.name}"
    try:
        with os.fdopen(handle, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
            for row in rows:
                out.write(json.dumps({k: _plain(v) for k, v in row.items()}, sort_keys=True).encode() + b"\n")
        digest = hashlib.sha256(plain.read_bytes()).hexdigest()
        encrypt_file(fernet, plain, sealed)
        with sealed.open("rb") as check:
            os.fsync(check.fileno())
        os.replace(sealed, final)
    finally:
        plain.unlink(missing_ok=True)
        sealed.unlink(missing_ok=True)
    return digest


def _delete(source: Source, ids: list[int], before: datetime) -> int:
    table = connection.ops.quote_name(source.model._meta.db_table)
    with connection.cursor() as cursor:
        if source.guard and connection.vendor == "postgresql":
            cursor.execute("SELECT set_config(%s, %s, true)", [source.guard, before.isoformat()])
        deleted = 0
        for start in range(0, len(ids), 900):  # SQLite's limit on parameters
            part = ids[start : start + 900]
            cursor.execute(f"DELETE FROM {table} WHERE id IN ({', '.join(['%s'] * len(part))})", part)  # nosec B608 # noqa: S608
            deleted += cursor.rowcount
        if source.guard and connection.vendor == "postgresql":
            cursor.execute("SELECT set_config(%s, '', true)", [source.guard])
    return deleted


def read_batch(batch) -> Iterator[dict]:
    """The rows of one recorded archive file, as written (JSON values); checksum checked."""
    path = directory() / batch.file
    fernet = _backup_fernet()
    with tempfile.TemporaryDirectory() as scratch:
        plain = Path(scratch) / "plain.gz"
        try:
            decrypt_file(fernet, path, plain)
        except BackupError as error:
            raise ArchiveError(str(error).replace("nothing was restored", "nothing was read")) from None
        if hashlib.sha256(plain.read_bytes()).hexdigest() != batch.sha256:
            raise ArchiveError(f"{batch.file} does not match its recorded checksum.")
        with gzip.open(plain, "rb") as lines:
            rows = [json.loads(line) for line in lines]
    if len(rows) != batch.rows:
        raise ArchiveError(f"{batch.file} holds {len(rows)} rows, {batch.rows} recorded.")
    yield from rows
