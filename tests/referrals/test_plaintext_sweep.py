"""Every encrypted referral field: the marker must not appear in the raw database.

The referral goes the whole way (public form, triage notes, acceptance into a unit, a letter back),
then every encrypted field of every referral model is filled with the marker as well, so a field
added later is covered without editing this test.
"""

from practice.fields import encrypted_fields
from referrals import services
from referrals.models import Referral, ReferralEvent, ReferralLetter
from tests.clients.test_plaintext_sweep import MARKER, fill, raw_database_text
from tests.referrals.conftest import form_data, grant_release

MODELS = [Referral, ReferralEvent, ReferralLetter]


def test_no_referral_marker_reaches_the_raw_database(client, alice):
    data = form_data(
        kind="couple",
        first_name=f"{MARKER}first",
        last_name=f"{MARKER}last",
        email="",
        phone="+44 7700 900321",
        partner_first_name=f"{MARKER}pfirst",
        partner_last_name=f"{MARKER}plast",
        partner_phone="+44 7700 900654",
        contact_notes=f"{MARKER}-notes",
        reason=f"{MARKER}-reason",
    )
    assert client.post("/refer/", data).status_code == 302
    first = Referral.objects.get()
    services.referral_mark_contacted(referral=first, by=alice.user, note=f"{MARKER}-contacted")
    first, _problems = services.referral_accept(referral=first, by=alice.user, therapist=alice, base_url="http://x/")
    grant_release(first, alice.user, members=[first.client.members.first()])
    services.letter_send(
        referral=first,
        by=alice.user,
        kind="first_seen",
        body=f"{MARKER}-letter",
        token="f" * 32,
        speaks_of_released_only=True,
    )

    second = services.referral_submit(
        referrer={"kind": "clergy", "name": "Rev. A", "email": "rev@example.org"},
        **{k: v for k, v in data.items() if not k.startswith("referrer_") and k not in ("consent",)},
    )
    services.referral_decline(referral=second, by=alice.user, reason=f"{MARKER}-declined")
    second.refresh_from_db()
    for index, model in enumerate(MODELS):
        assert encrypted_fields(model), model
        for row in model.objects.all():
            fill(row, index)
            row.save()

    raw = raw_database_text()
    assert first.reference in raw and "gAAAA" in raw  # plain columns readable; the rows are Fernet tokens
    assert MARKER not in raw and MARKER.lower() not in raw
