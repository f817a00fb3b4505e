"""`backup` and `restore`: a backup restored into an empty database gives every encrypted value back,
and the file holds ciphertext only. Runs on both databases: pg_dump/pg_restore on PostgreSQL, the
sqlite3 backup API on SQLite.

pg_dump runs in another process and sees only committed rows, so these tests commit
(`transaction=True`) on both databases alike.
"""

import io
import json
import stat
import subprocess
import uuid

import pytest
from cryptography.fernet import Fernet
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.utils import load_backend

from clients import services
from clients.models import Addendum, Consent, Goal, IntakeResponse, Note
from practice import backup as backups
from practice import crypto
from practice.fields import encrypted_fields
from tests.factories import couple

MARKER = "BACKUPMARKER"
transactional = pytest.mark.django_db(transaction=True)


@pytest.fixture
def records(alice):
    """A couple with members, intake, a note with an addendum, a goal and a consent, all with markers."""
    unit = couple(alice)
    for index, member in enumerate(unit.members.order_by("position")):
        member.first_name, member.address = f"{MARKER}first{index}", f"{MARKER}-address-{index}"
        member.save()
        IntakeResponse.objects.create(member=member, hopes=f"{MARKER}-hopes-{index}", sexual_history=f"{MARKER}-sh")
    note = Note.objects.create(client=unit, author=alice, body=f"{MARKER}-note")
    Addendum.objects.create(note=note, author=alice, body=f"{MARKER}-addendum")
    services.goal_create(client=unit, by=alice.user, text=f"{MARKER}-goal")
    Consent.objects.create(client=unit, member=unit.members.first(), kind="treatment", recorded_by=alice.user)
    return unit


def encrypted_values(conn) -> dict:
    """(location, pk) → plaintext for every encrypted value, read raw through `conn` and decrypted."""
    values = {}
    quote = conn.ops.quote_name
    with conn.cursor() as cursor:
        for model in apps.get_models():
            fields = encrypted_fields(model)
            if not fields or model._meta.proxy:
                continue
            columns = ", ".join(quote(f.column) for f in fields)
            cursor.execute(f"SELECT {quote(model._meta.pk.column)}, {columns} FROM {quote(model._meta.db_table)}")  # noqa: S608
            for row in cursor.fetchall():
                for f, token in zip(fields, row[1:], strict=True):
                    if token is not None:
                        values[(f"{model._meta.label}.{f.name}", row[0])] = crypto.decrypt_str(token)
        cursor.execute("SELECT id, data FROM mfa_authenticator")
        for pk, data in cursor.fetchall():
            data = json.loads(data) if isinstance(data, str) else data
            for key in ("secret", "seed"):
                if data.get(key):
                    values[(f"mfa.Authenticator.data.{key}", pk)] = crypto.decrypt_str(data[key])
    return values


@pytest.fixture
def empty_database(tmp_path):
    """Settings for a second, empty database of the same vendor, and a connection factory for it."""
    target = {**connection.settings_dict}
    opened = []
    if connection.vendor == "sqlite":
        target["NAME"] = str(tmp_path / "restored.sqlite3")
    else:
        target["NAME"] = f"restored_{uuid.uuid4().hex[:12]}"
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{target["NAME"]}"')

    def connect():
        wrapper = load_backend(target["ENGINE"]).DatabaseWrapper(target, alias="restored")
        opened.append(wrapper)
        return wrapper

    yield target, connect
    for wrapper in opened:
        wrapper.close()
    if connection.vendor != "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{target["NAME"]}" WITH (FORCE)')


def readable_content(path) -> str:
    """What a reader who also holds the backup key can see: the SQLite file itself, or pg_restore's
    SQL for a dump (the file is decrypted first)."""
    plain = path.with_name(path.name + ".plain")
    backups.decrypt_file(backups._backup_fernet(), path, plain)
    path = plain
    if connection.vendor == "sqlite":
        return path.read_bytes().decode("latin-1")
    command = ["pg_restore", "--file=-", str(path)]  # no database: pg_restore only prints the SQL
    return subprocess.run(command, capture_output=True, check=True, text=True).stdout  # noqa: S603


@transactional
def test_a_backup_restored_into_an_empty_database_reads_every_value_back(records, empty_database, tmp_path):
    expected = encrypted_values(connection)
    assert sum(MARKER in value for value in expected.values()) >= 9  # names, addresses, intake, note, goal...
    assert any(location.startswith("mfa.") for location, _ in expected)  # Alice's TOTP secret too

    result = backups.backup(tmp_path / "practice.backup")

    raw = result.path.read_bytes()
    assert raw.startswith(backups.ENCRYPTED_MAGIC) and records.reference.encode() not in raw  # the file alone
    content = readable_content(result.path)
    assert records.reference in content  # plain columns are readable once decrypted, so the check below can fail
    assert MARKER.encode() not in raw and MARKER not in content and MARKER.lower() not in content.lower()
    target, connect = empty_database
    backups.restore(result.path, database=target)
    assert encrypted_values(connect()) == expected


@transactional
def test_backup_and_restore_commands_bring_back_a_database_emptied_after_the_backup(records, tmp_path):
    expected = encrypted_values(connection)
    path = tmp_path / "nightly.backup"
    out = io.StringIO()
    call_command("backup", output=path, stdout=out)
    assert f"Backup written to {path}" in out.getvalue() and "keys are not in it" in out.getvalue()

    Addendum.objects.all().delete()
    Note.objects.all().delete()
    Goal.objects.all().delete()
    IntakeResponse.objects.all().delete()
    records.members.update(address="")
    assert encrypted_values(connection) != expected

    out = io.StringIO()
    call_command("restore", str(path), interactive=False, stdout=out)
    assert encrypted_values(connection) == expected
    assert Note.objects.get().body == f"{MARKER}-note"
    assert "0 do not decrypt" in out.getvalue()


@transactional
def test_restore_says_when_the_backup_needs_a_key_that_is_not_configured(records, tmp_path, settings):
    path = tmp_path / "old-key.backup"
    backups.backup(path)
    settings.FIELD_ENCRYPTION_KEY = [Fernet.generate_key().decode()]
    with pytest.raises(CommandError) as excinfo:
        call_command("restore", str(path), interactive=False, stdout=io.StringIO())
    assert "do not decrypt" in str(excinfo.value) and "in use when the backup was taken" in str(excinfo.value)


def test_the_file_is_private_and_never_overwritten_without_force(db, tmp_path):
    path = tmp_path / "b.backup"
    call_command("backup", output=path, stdout=io.StringIO())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    first = path.read_bytes()

    with pytest.raises(CommandError, match="already exists"):
        call_command("backup", output=path, stdout=io.StringIO())
    assert path.read_bytes() == first

    path.chmod(0o644)
    call_command("backup", output=path, force=True, stdout=io.StringIO())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["b.backup"]  # no partial or plain file left behind


def test_restore_refuses_a_file_that_is_not_a_backup(records, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("not a backup")
    with pytest.raises(CommandError, match="nothing was restored"):
        call_command("restore", str(path), interactive=False, stdout=io.StringIO())
    assert Note.objects.get().body == f"{MARKER}-note"


def test_restore_asks_before_replacing_the_database(records, tmp_path, monkeypatch):
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="cancelled"):
        call_command("restore", str(tmp_path / "anything"), stdout=io.StringIO())


def test_the_postgresql_password_goes_to_the_environment_never_the_command_line(tmp_path):
    database = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "practice",
        "USER": "practice",
        "PASSWORD": "s3cret-pw",
        "HOST": "db.internal",
        "PORT": 5432,
        "OPTIONS": {"sslmode": "require"},
    }
    env = backups.pg_environment(database)
    assert env["PGPASSWORD"] == "s3cret-pw" and env["PGHOST"] == "db.internal" and env["PGSSLMODE"] == "require"
    assert env["PGPORT"] == "5432" and env["PGUSER"] == "practice"
    dump = backups.pg_dump_command(tmp_path / "out.dump")
    restore = backups.pg_restore_command(database, tmp_path / "out.dump")
    assert not any("s3cret" in arg for arg in dump + restore)
    assert "--format=custom" in dump
    assert {"--clean", "--if-exists", "--no-owner", "--dbname=practice"} <= set(restore)


def test_an_encrypted_backup_refuses_a_wrong_key_a_cut_and_a_field_key(records, tmp_path, settings):
    from cryptography.fernet import Fernet

    path = backups.backup(tmp_path / "b.backup").path
    cut = tmp_path / "cut.backup"
    cut.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(backups.BackupError, match="nothing was restored"):
        backups.restore(cut)
    settings.BACKUP_ENCRYPTION_KEY = Fernet.generate_key().decode()
    with pytest.raises(backups.BackupError, match="does not decrypt with BACKUP_ENCRYPTION_KEY"):
        backups.restore(path)
    settings.BACKUP_ENCRYPTION_KEY = settings.FIELD_ENCRYPTION_KEY[0]
    with pytest.raises(backups.BackupError, match="a key of its own"):
        backups.backup(tmp_path / "c.backup")
    settings.BACKUP_ENCRYPTION_KEY = ""
    with pytest.raises(backups.BackupError, match="Set BACKUP_ENCRYPTION_KEY"):
        backups.backup(tmp_path / "d.backup")
    assert Note.objects.get().body == f"{MARKER}-note"  # nothing was restored over the database


def test_chunks_cannot_be_reordered(tmp_path, settings):
    fernet = backups._backup_fernet()
    source = tmp_path / "plain"
    source.write_bytes(b"a" * backups.CHUNK + b"b" * 10)
    sealed = tmp_path / "sealed"
    backups.encrypt_file(fernet, source, sealed)
    body = sealed.read_bytes()[len(backups.ENCRYPTED_MAGIC) :]
    first_len = int.from_bytes(body[:4], "big")
    first, second = body[: 4 + first_len], body[4 + first_len :]
    swapped = tmp_path / "swapped"
    swapped.write_bytes(backups.ENCRYPTED_MAGIC + second + first)
    with pytest.raises(backups.BackupError, match="out of order"):
        backups.decrypt_file(fernet, swapped, tmp_path / "out")
    backups.decrypt_file(fernet, sealed, tmp_path / "back")
    assert (tmp_path / "back").read_bytes() == source.read_bytes()
