"""documents 0004: the one-click consents of before become signatures "recorded by the therapist".

The database is taken back to documents 0003 (the schema of today, no converted consents), the old
records are written there, and the migration runs forward (and back) through Django's executor.
"""

import importlib
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from clients.models import Consent
from documents.gates import missing_signatures
from documents.models import Signature
from tests.documents.conftest import current, sign
from tests.factories import ReferrerFactory, couple, portal_user_for

BEFORE = [("documents", "0003_signature_recorded_and_shared_files")]
GIVEN = datetime(2024, 3, 4, 10, 30, tzinfo=UTC)
REVOKED = datetime(2024, 9, 1, 8, 0, tzinfo=UTC)


def _migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def _latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def _starter_set() -> None:
    """The starter documents, as documents 0002 loads them (an earlier transactional test's flush
    may have emptied the table)."""
    from django.apps import apps

    importlib.import_module("documents.migrations.0002_starter_documents").load(apps, None)


@pytest.fixture
def old_records(alice):
    """A couple (Jordan Lee, Sam Okafor) with consents of every kind, as the old pages recorded them."""
    _starter_set()
    unit = couple(alice, signed=False)
    jordan, sam = unit.members.order_by("position")
    for member, (first, last) in ((jordan, ("Jordan", "Lee")), (sam, ("Sam", "Okafor"))):
        member.first_name, member.last_name = first, last
        member.save()
    portal_user_for(jordan)
    referrer = ReferrerFactory(name="Dr Ada Quill", organisation="Harbour Clinic")
    made = {
        "treatment": Consent.objects.create(
            client=unit, member=jordan, kind="treatment", recorded_by=alice.user, granted_at=GIVEN
        ),
        "sam_treatment": Consent.objects.create(
            client=unit, member=sam, kind="treatment", recorded_by=alice.user, granted_at=GIVEN, revoked_at=REVOKED
        ),
        "telehealth": Consent.objects.create(
            client=unit, member=jordan, kind="telehealth", recorded_by=jordan.user, granted_at=GIVEN, source="portal"
        ),
        "release": Consent.objects.create(
            client=unit, member=jordan, kind="release", referrer=referrer, recorded_by=alice.user, granted_at=GIVEN
        ),
        "reminders": Consent.objects.create(client=unit, member=jordan, kind="reminders_email", recorded_by=alice.user),
    }
    return unit, jordan, sam, referrer, made


@pytest.mark.django_db(transaction=True)
def test_old_consents_become_recorded_signatures_and_the_reverse_removes_only_those(alice, old_records):
    unit, jordan, sam, referrer, made = old_records
    try:
        _migrate(BEFORE)
        assert not Signature.objects.exists()
        _migrate(_latest())

        signatures = {s.migrated_from_consent_id: s for s in Signature.objects.select_related("version__template")}
        assert set(signatures) == {made[k].pk for k in ("treatment", "sam_treatment", "telehealth", "release")}
        treatment = signatures[made["treatment"].pk]
        assert treatment.version == current("treatment")
        assert (treatment.member, treatment.method, treatment.signed_at) == (jordan, "recorded", GIVEN)
        assert (treatment.recorded_by, treatment.user, treatment.scan.name) == (alice.user, None, "")
        assert treatment.signed_name == "Jordan Lee" and treatment.is_live
        assert signatures[made["sam_treatment"].pk].withdrawn_at == REVOKED
        telehealth = signatures[made["telehealth"].pk]
        assert telehealth.version == current("telehealth") and telehealth.user == jordan.user  # given in the portal
        release = signatures[made["release"].pk]
        assert (release.referrer_id, release.referrer_name) == (referrer.pk, "Dr Ada Quill, Harbour Clinic")

        with connection.cursor() as cursor:  # the names are encrypted in the table, as the live model writes
            cursor.execute("SELECT signed_name, referrer_name FROM documents_signature")
            raw = " ".join(str(value) for row in cursor.fetchall() for value in row)
        assert "Jordan" not in raw and "Quill" not in raw

        # the gates read them: Jordan may be booked (and seen by video), Sam withdrew
        assert missing_signatures(client=unit, members=[jordan], purpose="booking") == []
        assert missing_signatures(client=unit, members=[jordan], purpose="video") == []
        assert [m.member for m in missing_signatures(client=unit, members=[jordan, sam], purpose="booking")] == [sam]
        assert missing_signatures(client=unit, members=[jordan], purpose="release", referrer_id=referrer.pk) == []

        own = sign(current("privacy"), jordan)  # signed in the portal after the migration
        _migrate(BEFORE)
        assert list(Signature.objects.all()) == [own]  # the reverse deletes exactly what it made
        assert Consent.objects.count() == 5  # the old records were never touched
    finally:
        _migrate(_latest())
    assert Signature.objects.exclude(migrated_from_consent_id=None).count() == 4  # and forward again


@pytest.mark.django_db(transaction=True)
def test_a_consent_already_signed_as_a_document_is_not_converted_twice(alice, old_records):
    _unit, jordan, _sam, _referrer, _made = old_records
    try:
        _migrate(BEFORE)
        own = sign(current("treatment"), jordan)  # Jordan signed the document before the migration ran
    finally:
        _migrate(_latest())
    live_treatment = Signature.objects.filter(version=current("treatment"), member=jordan, withdrawn_at=None)
    assert list(live_treatment) == [own]
