"""Whole-database backups and restores, for the two databases the practice runs on.

- PostgreSQL: `pg_dump --format=custom` to a file; restore with `pg_restore --clean --if-exists
  --no-owner` into the configured database, in one transaction (all or nothing). Connection settings
  go to the client tools through libpq's environment variables (PGHOST, PGUSER, PGPASSWORD, ...), so
  the password never appears on a command line (where `ps` would show it).
- SQLite: the `sqlite3` online backup API (`source.backup(dest)`), which copies a consistent snapshot
  even while the site is running; restore copies the backup file into the live database the same way.

What is in a backup: every table as stored, and the whole file encrypted with a key of its own
(BACKUP_ENCRYPTION_KEY, never a field key), so the file alone reveals nothing, not even the columns
that are not encrypted in the database (sign-in emails, reference codes, appointment times). Inside,
encrypted fields stay encrypted too. Neither key is in the file: keep BACKUP_ENCRYPTION_KEY and
FIELD_ENCRYPTION_KEY backed up separately and securely, or the backup cannot be read.

The file format: a magic line, then the dump in 1 MiB chunks, each a Fernet token (AES-128-CBC +
HMAC-SHA256) over its index, a last-chunk flag and the data, so a chunk cannot be changed, dropped,
reordered or cut off unnoticed. The plain dump exists only in a private temporary folder (0700)
while it is being encrypted or restored. Restore also reads the unencrypted files of earlier releases.
"""

import hashlib
import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import connection

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"  # pg_dump's custom format
ENCRYPTED_MAGIC = b"PRACTICE-BACKUP-FERNET-1\n"
CHUNK = 1 << 20
FILE_MODE = 0o600


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why (and never holds a password)."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    sha256: str


# --- Public entry points --------------------------------------------------------------------------


def backup(output: Path | str, *, force: bool = False, database: dict | None = None) -> BackupResult:
    """Write a backup of `database` (default: the configured one) to `output`, mode 0600.

    Refuses to overwrite an existing file unless `force`. The file appears at `output` only when
    complete: the dump goes to a temporary file beside it first.
    """
    live = database is None
    database = connection.settings_dict if live else database
    output = Path(output)
    if output.is_dir():
        raise BackupError(f"{output} is a folder: give a file name.")
    if output.exists() and not force:
        raise BackupError(f"{output} already exists: choose another name, or pass --force to overwrite it.")
    output.parent.mkdir(mode=0o700, parents=True, exist_ok=True)

    fernet = _backup_fernet()
    fd, partial = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".partial", dir=output.parent)  # mode 0600
    os.close(fd)
    partial = Path(partial)
    private = Path(tempfile.mkdtemp(prefix=f".{output.name}.", dir=output.parent))  # mode 0700
    try:
        plain = private / "dump"
        if vendor_of(database) == "sqlite":
            _sqlite_backup(database, plain, live=live)
        else:
            _pg_dump(database, plain)
        encrypt_file(fernet, plain, partial)
        os.chmod(partial, FILE_MODE)
        _move_into_place(partial, output, force=force)
    finally:
        partial.unlink(missing_ok=True)
        shutil.rmtree(private, ignore_errors=True)
    return BackupResult(path=output, size=output.stat().st_size, sha256=_sha256(output))


def restore(path: Path | str, *, database: dict | None = None) -> None:
    """Replace the contents of `database` (default: the configured one) with the backup at `path`."""
    live = database is None
    database = connection.settings_dict if live else database
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path} is not a file.")
    kind = vendor_of(database)
    with path.open("rb") as f:
        head = f.read(len(ENCRYPTED_MAGIC))
    if head.startswith(ENCRYPTED_MAGIC):
        private = Path(tempfile.mkdtemp(prefix="practice-restore."))  # mode 0700
        try:
            plain = private / "dump"
            decrypt_file(_backup_fernet(), path, plain)
            restore(plain, database=None if live else database)
        finally:
            shutil.rmtree(private, ignore_errors=True)
        return
    if kind == "sqlite" and not head.startswith(SQLITE_MAGIC):
        raise BackupError(f"{path} is not an SQLite backup: nothing was restored.")
    if kind == "postgresql" and not head.startswith(PG_MAGIC):
        raise BackupError(f"{path} is not a PostgreSQL custom-format backup (pg_dump -Fc): nothing was restored.")

    if live:
        if connection.in_atomic_block:
            raise BackupError("A restore cannot run inside a transaction.")
        connection.close()  # hold no locks during the restore; the next query reconnects
    if kind == "sqlite":
        _sqlite_restore(path, database, live=live)
    else:
        _pg_restore(path, database)
    if live:
        connection.close()  # forget anything cached about the old contents


# --- The encrypted file ---------------------------------------------------------------------------


def _backup_fernet() -> Fernet:
    key = (getattr(settings, "BACKUP_ENCRYPTION_KEY", "") or "").strip()
    if not key:
        raise BackupError("Set BACKUP_ENCRYPTION_KEY (a Fernet key of its own) to write or read backups.")
    if key in [k.strip() for k in settings.FIELD_ENCRYPTION_KEY]:
        raise BackupError("BACKUP_ENCRYPTION_KEY must be a key of its own, not one of FIELD_ENCRYPTION_KEY.")
    try:
        return Fernet(key.encode())
    except (ValueError, TypeError) as exc:
        raise BackupError("BACKUP_ENCRYPTION_KEY is not a Fernet key (32 url-safe base64 bytes).") from exc


def encrypt_file(fernet: Fernet, source: Path, dest: Path) -> None:
    """Write `source` to `dest` as the magic line and a sequence of authenticated chunks."""
    with source.open("rb") as plain, dest.open("wb") as out:
        out.write(ENCRYPTED_MAGIC)
        index, chunk = 0, plain.read(CHUNK)
        while True:
            following = plain.read(CHUNK)
            last = not following
            token = fernet.encrypt(index.to_bytes(8, "big") + (b"\x01" if last else b"\x00") + chunk)
            out.write(len(token).to_bytes(4, "big") + token)
            if last:
                return
            index, chunk = index + 1, following


def decrypt_file(fernet: Fernet, source: Path, dest: Path) -> None:
    """The inverse of `encrypt_file`; a wrong key, a changed, missing or extra chunk is a BackupError."""
    with source.open("rb") as sealed, dest.open("wb") as out:
        if sealed.read(len(ENCRYPTED_MAGIC)) != ENCRYPTED_MAGIC:
            raise BackupError(f"{source} is not an encrypted backup: nothing was restored.")
        index = 0
        while True:
            size = sealed.read(4)
            if len(size) < 4:
                raise BackupError(f"{source} is cut short: nothing was restored.")
            try:
                plain = fernet.decrypt(sealed.read(int.from_bytes(size, "big")))
            except InvalidToken:
                raise BackupError(
                    f"{source} does not decrypt with BACKUP_ENCRYPTION_KEY (another key, or a damaged file): "
                    "nothing was restored."
                ) from None
            if int.from_bytes(plain[:8], "big") != index:
                raise BackupError(f"{source} has its parts out of order: nothing was restored.")
            out.write(plain[9:])
            if plain[8:9] == b"\x01":
                if sealed.read(1):
                    raise BackupError(f"{source} has data after its end: nothing was restored.")
                return
            index += 1


def _move_into_place(partial: Path, output: Path, *, force: bool) -> None:
    if force:
        os.replace(partial, output)
        return
    try:
        os.link(partial, output)  # atomic "create only if absent": never overwrites a file that appeared
    except FileExistsError:
        raise BackupError(f"{output} appeared while the backup ran: nothing was overwritten.") from None
    except OSError:  # a filesystem without hard links
        if output.exists():
            raise BackupError(f"{output} appeared while the backup ran: nothing was overwritten.") from None
        os.replace(partial, output)


def default_backup_path(database: dict | None = None) -> Path:
    """var/backups/practice-<UTC time>.<sqlite3|dump>"""
    database = connection.settings_dict if database is None else database
    suffix = "sqlite3" if vendor_of(database) == "sqlite" else "dump"
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    var_dir = Path(getattr(settings, "VAR_DIR", Path(settings.BASE_DIR) / "var"))
    return var_dir / "backups" / f"practice-{stamp}.{suffix}"


def vendor_of(database: dict) -> str:
    engine = database["ENGINE"]
    if engine.endswith("sqlite3") or "spatialite" in engine:
        return "sqlite"
    if "postgresql" in engine or "postgis" in engine:
        return "postgresql"
    raise BackupError(f"Backups support SQLite and PostgreSQL, not {engine}.")


# --- SQLite ---------------------------------------------------------------------------------------


def _sqlite_backup(database: dict, dest_path: Path, *, live: bool) -> None:
    name = str(database["NAME"])
    if _sqlite_in_memory(name):
        # Only this process can see an in-memory database: copy it through Django's connection.
        # (A connection inside a write transaction would make the copy wait forever.)
        if not live or connection.in_atomic_block:
            raise BackupError("An in-memory SQLite database can only be backed up outside a transaction.")
        connection.ensure_connection()
        source = connection.connection
    else:
        # A connection of its own, read-only: like pg_dump, it copies what is committed.
        source = sqlite3.connect(f"{Path(name).resolve().as_uri()}?mode=ro", uri=True, timeout=20)
    dest = sqlite3.connect(dest_path)
    try:
        source.backup(dest)
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"The SQLite backup failed: {exc}") from exc
    finally:
        dest.close()
        if source is not connection.connection:
            source.close()


def _sqlite_in_memory(name: str) -> bool:
    return name == ":memory:" or "mode=memory" in name


def _sqlite_restore(path: Path, database: dict, *, live: bool) -> None:
    source = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        (result,) = source.execute("PRAGMA quick_check").fetchone()
        if result != "ok":
            raise BackupError(f"{path} is damaged (SQLite quick_check: {result}): nothing was restored.")
        has_migrations = source.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'django_migrations'"
        ).fetchone()
        if not has_migrations:
            raise BackupError(f"{path} is not a backup of this application: nothing was restored.")
        if live:
            connection.ensure_connection()
            source.backup(connection.connection)
        else:
            dest = sqlite3.connect(database["NAME"])
            try:
                source.backup(dest)
            finally:
                dest.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} could not be restored: {exc}") from exc
    finally:
        source.close()


# --- PostgreSQL -----------------------------------------------------------------------------------


def pg_environment(database: dict) -> dict[str, str]:
    """libpq's environment for `database`: how pg_dump and pg_restore are told where to connect.

    The password goes here (PGPASSWORD), never into the command's arguments.
    """
    options = database.get("OPTIONS") or {}
    values = {
        "PGHOST": database.get("HOST"),
        "PGPORT": database.get("PORT"),
        "PGUSER": database.get("USER"),
        "PGPASSWORD": database.get("PASSWORD"),
        "PGDATABASE": database.get("NAME"),
        "PGSERVICE": options.get("service"),
        "PGPASSFILE": options.get("passfile"),
        "PGSSLMODE": options.get("sslmode"),
        "PGSSLROOTCERT": options.get("sslrootcert"),
        "PGSSLCERT": options.get("sslcert"),
        "PGSSLKEY": options.get("sslkey"),
    }
    env = dict(os.environ)  # libpq variables set for the site (as psycopg sees them) still apply
    env.update({k: str(v) for k, v in values.items() if v})
    return env


def pg_dump_command(output: Path) -> list[str]:
    return [_tool("pg_dump"), "--format=custom", "--no-password", f"--file={output}"]


def pg_restore_command(database: dict, path: Path) -> list[str]:
    # --dbname must be given, or pg_restore writes SQL to stdout instead of restoring; the name is
    # not secret. The rest of the connection comes from the environment.
    dbname = database.get("NAME") or "postgres"
    return [
        _tool("pg_restore"),
        "--clean",
        "--if-exists",
        "--no-owner",
        "--single-transaction",
        "--exit-on-error",
        "--no-password",
        f"--dbname={dbname}",
        str(path),
    ]


def _pg_dump(database: dict, output: Path) -> None:
    _run(pg_dump_command(output), database, "pg_dump")


def _pg_restore(path: Path, database: dict) -> None:
    _run(pg_restore_command(database, path), database, "pg_restore")


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(
            f"{name} was not found on PATH: install the PostgreSQL client tools of the server's major version."
        )
    return found


def _run(command: list[str], database: dict, name: str) -> None:
    done = subprocess.run(  # noqa: S603 - a fixed tool and arguments built here, no shell
        command, env=pg_environment(database), stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        detail = "\n".join(done.stderr.strip().splitlines()[-10:])
        raise BackupError(f"{name} failed (exit {done.returncode}): {detail}")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
