"""A stolen copy: the raw database, a backup file and the session rows of a practice whose clients
were invited, accepted and signed in. What each copy must not show, read without any key.

Names, contact details, sign-in addresses (on `practice_user` and allauth's `account_emailaddress`:
pseudonyms, practice.sign_in) and the client's own words (intake, messages) are never readable in the database; a
unit's concerns are keyed digests, so nothing joins an address (or anyone) to a concern; session rows
hold no address, token or sign-in state in readable form; a backup file shows nothing at all, not
even the columns that are clear in the database (reference codes, therapists' addresses).
"""

import base64
import zlib
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client as Browser
from django.urls import reverse

from billing import superbill_services
from clients import services
from clients.models import IntakeResponse
from documents.models import DocumentVersion
from measures import services as measure_services
from measures.models import MeasureRequest
from practice import backup as backups
from tests.clients.test_plaintext_sweep import raw_database_text
from tests.factories import PASSWORD, couple

NAME = "ZQXSTOLENNAME"
CODES = ("F52.21", "F52.31")  # diagnosis codes that appear nowhere else in the database
WORDS = "ZQXSTOLENWORDS"


@pytest.fixture
def practice(alice):
    """A couple whose partners were invited, set their passwords, signed in and wrote their intake."""
    unit = couple(alice)
    sessions = []
    for index, member in enumerate(unit.members.order_by("position")):
        member.first_name, member.last_name = f"{NAME}{index}", f"{NAME}last{index}"
        member.email = f"zqxstolen{index}@example.net"
        member.save()
        services.member_invite(member=member, by=alice.user, base_url="http://testserver/")
        member.refresh_from_db()
        services.invitation_accept(user=member.user, password=PASSWORD)
        browser = Browser()  # each partner on their own device, both still signed in
        browser.post(reverse("account_login"), {"login": member.user.email, "password": PASSWORD})
        assert browser.session.get("_auth_user_id") == str(member.user.pk)
        sessions.append(browser.session.session_key)
        IntakeResponse.objects.create(member=member, concerns_in_own_words=f"{WORDS}{index}", status="submitted")
        browser.post(  # each signs the informed consent in the portal, typing their name
            reverse("portal:document_sign", args=[DocumentVersion.objects.get(template__kind="treatment").pk]),
            {"typed_name": member.full_name, "agreed": "on"},
            HTTP_USER_AGENT=f"{WORDS}-browser",
        )
        assert member.signatures.count() == 1
        # each writes to the therapist in the portal (private and joint): the client's own words
        for channel in ("private", "joint"):
            sent = browser.post(reverse("portal:message_thread", args=[channel]), {"body": f"{WORDS}{channel}"})
            assert sent.status_code == 302
        # the therapist puts a diagnosis on the member's list (clinical: encrypted, never readable)
        superbill_services.diagnosis_add(member=member, code=CODES[index], by=alice.user)
        # each answers the PHQ-9 through their portal session (answers and score: encrypted)
        measure_services.assignment_create(
            client=unit, by=alice.user, instrument="phq9", schedule="once", member=member
        )
        asked = MeasureRequest.objects.get(member=member)
        browser.post(reverse("portal:measure", args=[asked.pk]), {f"item_{n}": "2" for n in range(1, 10)})
        assert asked.__class__.objects.get(pk=asked.pk).status == "completed"
    return {"unit": unit, "sessions": sessions}


def test_the_raw_database_shows_no_name_no_address_and_no_words_of_the_client(practice, alice):
    text = raw_database_text()
    assert practice["unit"].reference in text and alice.user.email in text  # readable: the checks can fail
    assert NAME not in text and WORDS not in text
    assert not any(code in text for code in CODES)
    assert "zqxstolen" not in text.lower()  # neither the member's address nor the sign-in address
    assert "Moderately severe" not in text and '"9": 2' not in text  # a PHQ-9's band and answers


def test_nothing_joins_a_client_to_a_concern(practice):
    from clients.models import ClientConcern, Concern

    unit = practice["unit"]
    concern = Concern.objects.first()
    unit.concerns.set([concern])
    digest = ClientConcern.objects.get(client=unit).digest
    assert digest not in {concern.slug, str(concern.pk)}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            targets = {t for _c, (t, _f) in connection.introspection.get_relations(cursor, table).items()}
            assert not ("clients_concern" in targets and targets & {"clients_client", "referrals_referral"}), table


def test_session_rows_hold_no_address_token_or_sign_in_state_in_readable_form(practice):
    rows = list(Session.objects.values_list("session_data", flat=True))
    assert rows
    raw = "\n".join(rows)
    for readable in ("zqxstolen", "_auth_user_id", "_auth_user_backend", "account_", "allauth"):
        assert readable not in raw
    for row in rows:  # nor once the signed payload is undone (base64, then zlib): signing hides nothing
        assert b"_auth_user_id" not in _unsigned(row) and b"zqxstolen" not in _unsigned(row)


def _unsigned(session_data: str) -> bytes:
    """What Django's signed session data says to anyone, without any key: its payload decoded."""
    payload = session_data.split(":", 1)[0]
    compressed = payload.startswith(".")
    payload = payload.removeprefix(".")
    try:
        data = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        return zlib.decompress(data) if compressed else data
    except (ValueError, zlib.error):
        return b""


@pytest.mark.django_db(transaction=True)
def test_a_backup_file_shows_nothing_at_all(alice, tmp_path: Path):
    unit = couple(alice)
    member = unit.members.first()
    member.first_name = NAME
    member.save()
    services.member_invite(member=member, by=alice.user, base_url="http://testserver/")
    member.refresh_from_db()
    raw = backups.backup(tmp_path / "stolen.backup").path.read_bytes()
    assert raw.startswith(backups.ENCRYPTED_MAGIC)
    for clear_in_the_database in (unit.reference, alice.user.email, member.user.email, member.user.sign_in_email):
        assert clear_in_the_database.encode() not in raw
    assert NAME.encode() not in raw
    assert connection.vendor in ("sqlite", "postgresql")
