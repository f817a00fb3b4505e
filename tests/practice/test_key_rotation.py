"""`rotate_encryption_key`: every value moves to the newest key, search still works, and it proves it."""

import datetime
import io

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from clients import selectors
from clients.models import Addendum, Goal, IntakeResponse, Member, Note
from outbox.models import Notification
from practice import crypto
from practice.encryption_audit import stored_values
from tests.factories import ClientFactory, MemberFactory, TherapistFactory, give_totp
from tests.testapp.models import Secret

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()
MARKER = "ROTATEMARKER"


@pytest.fixture
def old_records(db, settings):
    """One of everything that is encrypted, all written while OLD_KEY was the only key."""
    settings.FIELD_ENCRYPTION_KEY = [OLD_KEY]
    therapist = TherapistFactory()
    totp_secret = give_totp(therapist.user)
    codes = RecoveryCodes.activate(therapist.user).generate_codes()
    unit = ClientFactory(kind="couple", primary_therapist=therapist, with_members=False)
    member = MemberFactory(
        client=unit,
        first_name="Marguerite",
        last_name="Quennell",
        phone=f"{MARKER}-phone",
        date_of_birth=datetime.date(1971, 5, 2),
    )
    partner = MemberFactory(client=unit, position=2, first_name="Tobias", address=f"{MARKER}-address")
    intake = IntakeResponse.objects.create(member=member, hopes=f"{MARKER}-hopes", risk_self_harm="no")
    note = Note.objects.create(client=unit, author=therapist, body=f"{MARKER}-note")
    addendum = Addendum.objects.create(note=note, author=therapist, body=f"{MARKER}-addendum")
    goal = Goal.objects.create(client=unit, text=f"{MARKER}-goal", created_by=therapist)
    notification = Notification.objects.create(
        kind="test", key="rotation-test", send_at=timezone.now(), address=f"{MARKER.lower()}@example.net"
    )
    secrets = [Secret.objects.create(code=f"S{i}", body=f"{MARKER}-secret-{i}") for i in range(5)]
    return {
        "therapist": therapist,
        "unit": unit,
        "member": member,
        "partner": partner,
        "intake": intake,
        "note": note,
        "addendum": addendum,
        "goal": goal,
        "notification": notification,
        "secrets": secrets,
        "totp_secret": totp_secret,
        "codes": codes,
    }


def rotate(**options) -> str:
    out = io.StringIO()
    call_command("rotate_encryption_key", stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def decrypts_with(key: str, token) -> bool:
    try:
        Fernet(key.encode()).decrypt(str(token).encode())
    except InvalidToken:
        return False
    return True


def test_every_value_moves_to_the_new_key_and_reads_back_with_it_alone(old_records, settings):
    settings.FIELD_ENCRYPTION_KEY = [NEW_KEY, OLD_KEY]
    before = list(stored_values())
    assert before and all(decrypts_with(OLD_KEY, token) for _, _, token in before)

    out = rotate(batch_size=2)  # small batches: several per table

    after = list(stored_values())
    locations = {location for location, _, _ in after}
    assert {
        "clients.Member.first_name",
        "clients.Note.body",
        "clients.IntakeResponse.hopes",
        "clients.Addendum.body",
        "clients.Goal.text",
        "outbox.Notification.address",
        "testapp.Secret.body",
        "mfa.Authenticator.data.secret",
        "mfa.Authenticator.data.seed",
    } <= locations
    assert len(after) == len(before)
    assert all(decrypts_with(NEW_KEY, token) for _, _, token in after)
    assert f"Re-encrypted {len(before)} of {len(before)} encrypted values." in out
    assert f"Check: {len(before)} values, 0 do not decrypt, 0 still use an older key." in out

    settings.FIELD_ENCRYPTION_KEY = [NEW_KEY]  # the old key is gone
    assert_reads_back(old_records)


def assert_reads_back(r: dict) -> None:
    member = Member.objects.get(pk=r["member"].pk)
    assert (member.first_name, member.last_name, member.phone) == ("Marguerite", "Quennell", f"{MARKER}-phone")
    assert member.date_of_birth == datetime.date(1971, 5, 2)
    assert Member.objects.get(pk=r["partner"].pk).address == f"{MARKER}-address"
    assert IntakeResponse.objects.get(pk=r["intake"].pk).hopes == f"{MARKER}-hopes"
    assert Note.objects.get(pk=r["note"].pk).body == f"{MARKER}-note"
    assert Addendum.objects.get(pk=r["addendum"].pk).body == f"{MARKER}-addendum"
    assert Goal.objects.get(pk=r["goal"].pk).text == f"{MARKER}-goal"
    assert Notification.objects.get(pk=r["notification"].pk).address == f"{MARKER.lower()}@example.net"
    assert [s.body for s in Secret.objects.order_by("code")] == [f"{MARKER}-secret-{i}" for i in range(5)]
    totp = Authenticator.objects.get(user=r["therapist"].user, type=Authenticator.Type.TOTP)
    assert crypto.decrypt_str(totp.data["secret"]) == r["totp_secret"]
    recovery = Authenticator.objects.get(user=r["therapist"].user, type=Authenticator.Type.RECOVERY_CODES)
    assert RecoveryCodes(recovery).generate_codes() == r["codes"]
    found = selectors.client_list(therapist=r["therapist"], q="margu quenn")
    assert list(found) == [r["unit"]]


def test_name_search_needs_the_rebuild_that_rotation_does(old_records, settings):
    settings.FIELD_ENCRYPTION_KEY = [NEW_KEY, OLD_KEY]
    # Digests are keyed from the newest key: until the index is rebuilt the member is not found.
    assert not selectors.client_list(therapist=old_records["therapist"], q="Marguerite").exists()
    out = rotate()
    assert "Rebuilt search tokens for 2 members." in out
    assert list(selectors.client_list(therapist=old_records["therapist"], q="Marguerite")) == [old_records["unit"]]


def test_a_second_run_re_encrypts_nothing(old_records, settings):
    settings.FIELD_ENCRYPTION_KEY = [NEW_KEY, OLD_KEY]
    first = rotate()
    tokens = {(loc, pk): token for loc, pk, token in stored_values()}
    second = rotate()
    total = len(tokens)
    assert f"Re-encrypted {total} of {total}" in first
    assert f"Re-encrypted 0 of {total} encrypted values." in second
    assert {(loc, pk): token for loc, pk, token in stored_values()} == tokens  # not even re-written


def test_rotation_runs_no_model_logic(old_records, settings):
    updated_at = Note.objects.get(pk=old_records["note"].pk).updated_at
    settings.FIELD_ENCRYPTION_KEY = [NEW_KEY, OLD_KEY]
    rotate()
    assert Note.objects.get(pk=old_records["note"].pk).updated_at == updated_at  # raw UPDATE: no auto_now


def test_an_undecryptable_value_fails_the_command_naming_where_it_is(old_records, settings):
    goal = old_records["goal"]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE clients_goal SET text = %s WHERE id = %s", ["gAAAAABplanted-garbage", goal.pk])
    settings.FIELD_ENCRYPTION_KEY = [NEW_KEY, OLD_KEY]
    err = io.StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("rotate_encryption_key", stdout=io.StringIO(), stderr=err)
    assert "1 do not decrypt" in str(excinfo.value)
    assert f"does not decrypt: clients.Goal.text row {goal.pk}" in err.getvalue()
    assert "gAAAAABplanted" not in err.getvalue() + str(excinfo.value)  # a location, never the value
    # Everything else was still moved to the new key.
    settings.FIELD_ENCRYPTION_KEY = [NEW_KEY]
    assert Note.objects.get(pk=old_records["note"].pk).body == f"{MARKER}-note"


def test_a_failed_rotation_exits_non_zero_from_the_command_line(old_records, settings):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE testapp_secret SET body = 'plain' WHERE id = %s", [old_records["secrets"][0].pk])
    settings.FIELD_ENCRYPTION_KEY = [NEW_KEY, OLD_KEY]
    with pytest.raises(SystemExit) as excinfo:
        ManagementUtility(["manage.py", "rotate_encryption_key"]).execute()
    assert excinfo.value.code == 1


def test_with_one_key_there_is_nothing_to_move(db, settings):
    settings.FIELD_ENCRYPTION_KEY = [NEW_KEY]
    Secret.objects.create(code="x", body="y")
    out = rotate()
    assert "Re-encrypted 0 of 3 encrypted values." in out  # body, label and contact ("" is encrypted too)
    assert "0 still use an older key" in out


def test_an_undecryptable_name_is_named_and_the_search_index_reported(old_records, settings):
    member = old_records["member"]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE clients_member SET first_name = %s WHERE id = %s", ["not a token", member.pk])
    settings.FIELD_ENCRYPTION_KEY = [NEW_KEY, OLD_KEY]
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("rotate_encryption_key", stdout=io.StringIO(), stderr=err)
    assert f"does not decrypt: clients.Member.first_name row {member.pk}" in err.getvalue()
    assert "the member search index could not be rebuilt" in err.getvalue()
