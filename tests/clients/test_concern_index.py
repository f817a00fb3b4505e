"""A unit's and a referral's concerns are keyed digests: the filters and pages still work, a key
rotation carries them over, and no table links a client or a referral to a concern in the clear."""

import io

from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from clients.models import Client, ClientConcern, Concern
from clients.selectors import client_list
from tests.factories import ClientFactory, ReferralFactory


def test_the_links_are_digests_not_ids_or_slugs(alice):
    unit = ClientFactory(primary_therapist=alice)
    concern = Concern.objects.first()
    unit.concerns.set([concern])
    (token,) = ClientConcern.objects.filter(client=unit).values_list("digest", flat=True)
    assert concern.slug not in token and str(concern.pk) != token and len(token) == 64
    assert [c.pk for c in unit.concerns.list()] == [concern.pk]
    assert list(client_list(therapist=alice, concern=concern.slug)) == [unit]


def test_no_table_links_a_client_or_a_referral_to_a_concern(db):
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            targets = {
                target for _column, (target, _field) in connection.introspection.get_relations(cursor, table).items()
            }
            if "clients_concern" in targets:
                assert not targets & {"clients_client", "clients_member", "referrals_referral"}, table


def test_a_key_rotation_carries_the_concerns_over(alice, settings):
    old = settings.FIELD_ENCRYPTION_KEY[0]
    unit = ClientFactory(primary_therapist=alice)
    referral = ReferralFactory()
    chosen = list(Concern.objects.order_by("slug")[:2])
    unit.concerns.set(chosen)
    referral.concerns.set(chosen[:1])
    settings.FIELD_ENCRYPTION_KEY = [Fernet.generate_key().decode(), old]
    call_command("rotate_encryption_key", stdout=io.StringIO(), stderr=io.StringIO())
    settings.FIELD_ENCRYPTION_KEY = settings.FIELD_ENCRYPTION_KEY[:1]  # the old key is gone
    assert {c.pk for c in Client.objects.get(pk=unit.pk).concerns.list()} == {c.pk for c in chosen}
    assert [c.pk for c in referral.concerns.list()] == [chosen[0].pk]
    assert list(client_list(therapist=alice, concern=chosen[0].slug)) == [unit]


def test_the_therapist_edits_a_units_concerns(client, alice):
    unit = ClientFactory(primary_therapist=alice)
    concern = Concern.objects.first()
    client.force_login(alice.user)
    page = client.get(reverse("clients:edit", args=[unit.pk]))
    assert page.status_code == 200
    data = {"status": unit.status, "concerns": [concern.pk], "kind": unit.kind}
    r = client.post(reverse("clients:edit", args=[unit.pk]), data)
    assert r.status_code == 302
    assert [c.pk for c in unit.concerns.list()] == [concern.pk]
    again = client.get(reverse("clients:edit", args=[unit.pk]))
    assert again.context["form"].initial["concerns"] == [concern.pk]  # shown ticked when editing again
