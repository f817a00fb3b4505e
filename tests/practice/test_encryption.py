"""The encrypted field wrappers and `verify_encryption`."""

import datetime

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from practice.crypto import DecryptionError
from tests.testapp.models import Secret

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()
MARKER = "MARKER-erectile-concern-7731"


def raw(secret: Secret, column: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM testapp_secret WHERE id = %s", [secret.pk])  # noqa: S608
        return cursor.fetchone()[0]


def plant_raw(secret: Secret, column: str, value: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE testapp_secret SET {column} = %s WHERE id = %s", [value, secret.pk])  # noqa: S608


@pytest.fixture
def secret(db):
    return Secret.objects.create(
        code="S1", body=MARKER, label="label", born_on=datetime.date(1980, 2, 29), contact="p@example.org"
    )


def test_the_database_holds_ciphertext_not_plaintext(secret):
    for column, plain in [("body", MARKER), ("label", "label"), ("born_on", "1980-02-29"), ("contact", "p@example")]:
        stored = raw(secret, column)
        assert plain not in stored
        assert stored.startswith("gAAAA")  # a Fernet token


def test_values_round_trip_with_their_types(secret):
    fresh = Secret.objects.get(pk=secret.pk)
    assert (fresh.body, fresh.label, fresh.contact) == (MARKER, "label", "p@example.org")
    assert fresh.born_on == datetime.date(1980, 2, 29)


def test_a_value_that_does_not_decrypt_raises_instead_of_showing_ciphertext(secret, settings):
    settings.FIELD_ENCRYPTION_KEY = [Fernet.generate_key().decode()]  # not the key it was written with
    with pytest.raises(DecryptionError) as excinfo:
        Secret.objects.get(pk=secret.pk)
    assert MARKER not in str(excinfo.value) and "gAAAA" not in str(excinfo.value)


def test_a_planted_plaintext_value_raises(secret):
    plant_raw(secret, "body", "not encrypted at all")
    with pytest.raises(DecryptionError):
        Secret.objects.get(pk=secret.pk)


def test_bulk_update_round_trips(db):
    rows = [Secret.objects.create(code=f"B{i}", body=f"before {i}") for i in range(3)]
    for i, row in enumerate(rows):
        row.body = f"after {i} {MARKER}"
        row.born_on = datetime.date(2000, 1, i + 1)
    Secret.objects.bulk_update(rows, ["body", "born_on"])
    fresh = list(Secret.objects.order_by("code"))
    assert [s.body for s in fresh] == [f"after {i} {MARKER}" for i in range(3)]
    assert [s.born_on.day for s in fresh] == [1, 2, 3]
    assert all(MARKER not in raw(s, "body") for s in fresh)


def test_rows_written_with_the_old_key_still_read_after_a_new_key_is_added(db, settings):
    settings.FIELD_ENCRYPTION_KEY = [OLD_KEY]
    old = Secret.objects.create(code="old", body="written long ago")
    settings.FIELD_ENCRYPTION_KEY = [NEW_KEY, OLD_KEY]
    new = Secret.objects.create(code="new", body="written today")
    assert Secret.objects.get(pk=old.pk).body == "written long ago"
    assert Fernet(NEW_KEY.encode()).decrypt(raw(new, "body").encode()) == b"written today"  # newest key encrypts


def test_a_form_value_is_never_decrypted(db):
    # to_python parses user input only: text that happens to look like a token stays as typed.
    token = Fernet(Fernet.generate_key()).encrypt(b"x").decode()
    assert Secret._meta.get_field("body").to_python(token) == token


def test_verify_encryption_counts_every_value(secret, capsys):
    call_command("verify_encryption")
    out = capsys.readouterr().out
    assert "Checked 4 encrypted values: 0 do not decrypt, 0 still use an older key." in out


def test_verify_encryption_reports_older_keys(db, settings, capsys):
    settings.FIELD_ENCRYPTION_KEY = [OLD_KEY]
    Secret.objects.create(code="old", body="x")
    settings.FIELD_ENCRYPTION_KEY = [NEW_KEY, OLD_KEY]
    Secret.objects.create(code="new", body="y")
    call_command("verify_encryption")
    # Each row holds three encrypted values (body, label, contact; empty strings are encrypted too).
    assert "Checked 6 encrypted values: 0 do not decrypt, 3 still use an older key." in capsys.readouterr().out


def test_verify_encryption_fails_naming_model_field_and_row(secret, capsys):
    plant_raw(secret, "label", "gAAAAABplanted-garbage")
    with pytest.raises(CommandError) as excinfo:
        call_command("verify_encryption")
    assert "1 do not decrypt" in str(excinfo.value)
    assert f"does not decrypt: testapp.Secret.label row {secret.pk}" in capsys.readouterr().err


def test_verify_encryption_exits_non_zero_from_the_command_line(secret):
    from django.core.management import ManagementUtility

    plant_raw(secret, "body", "plain")
    # Same process (a subprocess would see another database): run_from_argv turns the error into exit 1.
    with pytest.raises(SystemExit) as excinfo:
        ManagementUtility(["manage.py", "verify_encryption"]).execute()
    assert excinfo.value.code == 1


def test_totp_secrets_are_encrypted_at_rest(alice):
    from allauth.mfa.models import Authenticator

    stored = Authenticator.objects.get(user=alice.user, type=Authenticator.Type.TOTP).data["secret"]
    assert stored != alice.totp_secret and stored.startswith("gAAAA")
