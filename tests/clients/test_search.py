"""The blind index behind name search."""

from clients import search


def test_words_are_folded_for_case_and_accents():
    assert search.normalise_words("  Zoë O'Brien-Smith ") == ["zoe", "o", "brien", "smith"]


def test_every_prefix_is_indexed_and_queries_hit_them(db):
    digests = search.name_digests("Ada", "Lovelace")
    assert set(search.query_digests("lov")) <= digests
    assert set(search.query_digests("ada")) <= digests
    assert not set(search.query_digests("grace")) & digests


def test_digests_are_keyed_and_carry_no_text(db, settings):
    first = search.query_digests("ada")
    assert "ada" not in first[0]
    from cryptography.fernet import Fernet

    settings.FIELD_ENCRYPTION_KEY = [Fernet.generate_key().decode()]
    assert search.query_digests("ada") != first


def test_rebuild_search_index_after_a_key_change(client, alice, settings, capsys):
    from cryptography.fernet import Fernet
    from django.core.management import call_command
    from django.urls import reverse

    from tests.factories import ClientFactory

    unit = ClientFactory(primary_therapist=alice)
    name = unit.members.get().first_name
    settings.FIELD_ENCRYPTION_KEY = [Fernet.generate_key().decode(), *settings.FIELD_ENCRYPTION_KEY]
    client.force_login(alice.user)
    assert unit.reference not in client.get(reverse("clients:list"), {"q": name}).content.decode()
    call_command("rebuild_search_index")
    assert "Rebuilt search tokens for 1 member." in capsys.readouterr().out
    assert unit.reference in client.get(reverse("clients:list"), {"q": name}).content.decode()
