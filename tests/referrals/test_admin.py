"""The admin manages referrers; referrals are listed by reference, read-only, with nothing confidential."""

from django.urls import reverse

from referrals.models import Referrer
from tests.factories import ReferralFactory, ReferrerFactory


def test_referrers_are_listed_and_searched(client, admin_user):
    wanted = ReferrerFactory(name="Dr Imogen Vale", organisation="Vale Urology", email="vale@uro.example")
    other = ReferrerFactory(name="Rev. Tobias Finch", kind="clergy")
    client.force_login(admin_user)
    url = reverse("admin:referrals_referrer_changelist")
    for query in ("Imogen", "Vale Urology", "vale@uro"):
        body = client.get(url, {"q": query}).content.decode()
        assert wanted.name in body and other.name not in body
    assert client.get(reverse("admin:referrals_referrer_change", args=[wanted.pk])).status_code == 200
    assert Referrer.objects.count() == 2


def test_referrals_list_without_confidential_fields(client, admin_user):
    referral = ReferralFactory(kind="couple", first_name="Octavia", reason="CONFIDENTIAL-REASON")
    client.force_login(admin_user)
    url = reverse("admin:referrals_referral_changelist")
    body = client.get(url).content.decode()
    assert referral.reference in body and referral.referrer.name in body
    assert "Octavia" not in body and "CONFIDENTIAL-REASON" not in body
    assert referral.reference in client.get(url, {"q": referral.reference}).content.decode()
    assert referral.reference not in client.get(url, {"q": "Octavia"}).content.decode()  # names are not searchable
    assert referral.reference in client.get(url, {"status__exact": "new", "urgency__exact": "routine"}).content.decode()


def test_the_referral_page_is_read_only_and_shows_no_encrypted_field(client, admin_user):
    referral = ReferralFactory(
        kind="couple",
        first_name="Octavia",
        partner_first_name="Perpetua",
        email="octavia@example.net",
        reason="CONFIDENTIAL-REASON",
    )
    client.force_login(admin_user)
    r = client.get(reverse("admin:referrals_referral_change", args=[referral.pk]))
    body = r.content.decode()
    assert r.status_code == 200 and referral.reference in body
    for secret in ("Octavia", "Perpetua", "octavia@example.net", "CONFIDENTIAL-REASON", referral.phone):
        assert secret not in body
    assert 'name="status"' not in body
    assert client.get(reverse("admin:referrals_referral_add")).status_code == 403
    assert client.post(reverse("admin:referrals_referral_delete", args=[referral.pk])).status_code == 403


def test_a_second_referrer_with_the_same_email_in_another_case_is_refused(client, admin_user):
    ReferrerFactory(email="same@clinic.example")
    client.force_login(admin_user)
    data = {"kind": "psychiatrist", "name": "Dr Copy", "email": "SAME@clinic.example"}
    r = client.post(reverse("admin:referrals_referrer_add"), data)
    assert r.status_code == 200 and "already exists" in r.content.decode()
    assert Referrer.objects.count() == 1
