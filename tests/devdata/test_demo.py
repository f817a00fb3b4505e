"""`seed_demo`: idempotent, refused where demo data is off, and its sign-ins work with their codes."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from devdata.demo import DEMO_ACCOUNTS, current_code
from practice.models import Therapist, User


def test_seed_demo_creates_one_account_per_role_and_is_idempotent(db, capsys):
    call_command("seed_demo")
    call_command("seed_demo")
    assert User.objects.count() == len(DEMO_ACCOUNTS) == 4
    assert Therapist.objects.count() == 1
    assert User.objects.filter(is_superuser=True).count() == 1
    from clients.models import Client

    assert sorted(Client.objects.values_list("kind", flat=True)) == ["couple", "individual"]
    assert User.objects.by_address("client@demo.practice").get().member.client.kind == "couple"
    out = capsys.readouterr().out
    assert all(a.email in out and a.password in out for a in DEMO_ACCOUNTS)


def test_seed_demo_gives_a_month_of_charges_and_payments_once(db):
    from billing.models import Charge, Payment
    from billing.selectors import balance

    call_command("seed_demo")
    counts = (Charge.objects.count(), Payment.objects.count())
    call_command("seed_demo")
    assert (Charge.objects.count(), Payment.objects.count()) == counts
    assert counts[0] >= 8 and counts[1] >= 4
    jordan = User.objects.by_address("client@demo.practice").get().member
    assert balance(jordan.client) > 0  # the latest sessions are still to pay


def test_seed_demo_gives_the_couple_a_csi4_history_and_assignment_once(db):
    from measures.models import MeasureAssignment, MeasureResponse

    call_command("seed_demo")
    call_command("seed_demo")
    couple = User.objects.by_address("client@demo.practice").get().member.client
    assert MeasureResponse.objects.filter(client=couple, instrument="csi4").count() == 8  # four per partner
    assert MeasureAssignment.objects.filter(client=couple, schedule="every_session").count() == 1
    assert MeasureResponse.objects.exclude(client=couple).values("instrument").distinct().count() == 2


def test_seed_demo_gives_the_couple_a_joint_exchange_and_a_private_message_once(db):
    from messaging.models import Message, Thread

    call_command("seed_demo")
    call_command("seed_demo")
    jordan = User.objects.by_address("client@demo.practice").get().member
    threads = Thread.objects.filter(client=jordan.client)
    assert sorted(threads.values_list("kind", flat=True)) == ["joint", "private"]
    joint = Message.objects.filter(thread__kind="joint", thread__client=jordan.client).order_by("sent_at", "pk")
    assert [m.sender.role for m in joint] == ["therapist", "client"]
    private = Message.objects.get(thread__kind="private", thread__member=jordan)
    assert private.sender == jordan.user and "exercises" in private.body  # decrypted on read


def test_seed_demo_is_refused_when_demo_data_is_off(db, settings):
    settings.ALLOW_DEMO_DATA = False
    with pytest.raises(CommandError, match="Demo data is disabled"):
        call_command("seed_demo")
    assert not User.objects.exists()


@pytest.mark.parametrize("account", DEMO_ACCOUNTS, ids=lambda a: a.email)
def test_each_demo_account_signs_in_as_printed(client, db, account):
    call_command("seed_demo")
    r = client.post("/accounts/login/", {"login": account.email, "password": account.password})
    if account.totp_secret:
        assert r.url == "/accounts/2fa/authenticate/"
        r = client.post("/accounts/2fa/authenticate/", {"code": current_code(account.totp_secret)})
    assert r.status_code == 302
    landing = client.get("/", follow=True)
    assert landing.status_code == 200
    expected = {"therapist": "/dashboard/", "client": "/portal/", "staff": "/schedule/"}
    assert landing.request["PATH_INFO"] == ("/admin/" if account.superuser else expected[account.role])


def test_demo_totp_prints_current_codes(db, capsys):
    call_command("demo_totp")
    out = capsys.readouterr().out
    for account in DEMO_ACCOUNTS:
        if account.totp_secret:
            assert f"{account.email:<26} {current_code(account.totp_secret)}" in out


def test_every_demo_member_has_signed_what_booking_and_video_sessions_need(db):
    from clients.models import Client
    from documents.gates import missing_signatures
    from documents.models import Signature

    call_command("seed_demo")
    call_command("seed_demo")  # idempotent: no second signature
    for unit in Client.objects.filter(reference__in=["C-DEMCPL", "C-DEMIND"]):
        members = list(unit.members.all())
        assert missing_signatures(client=unit, members=members, purpose="booking") == []
        assert missing_signatures(client=unit, members=members, purpose="video") == []
    # three demo members, informed consent and telehealth; and the release naming the demo referrer
    assert Signature.objects.exclude(version__template__kind="release").count() == 3 * 2
    release = Signature.objects.get(version__template__kind="release")
    assert release.referrer_id is not None and release.method == "recorded"
    demo_client = User.objects.by_address("client@demo.practice").get()
    signed_in_portal = Signature.objects.filter(member__user=demo_client).exclude(version__template__kind="release")
    assert set(signed_in_portal.values_list("method", flat=True)) == {"portal"}
