"""Name search in every script: case and accents folded, no script dropped (issue 23)."""

import importlib
import io

import pytest
from cryptography.fernet import Fernet
from django.apps import apps as django_apps
from django.core.management import call_command

from clients import search, selectors
from clients.models import MemberSearchToken
from tests.factories import ClientFactory, MemberFactory

NAMES = {
    "arabic": ("مُحَمَّد", "عبد الله"),
    "greek": ("Ἑλένη", "Παπαδοπούλου"),
    "cyrillic": ("Йосиф", "Сталенко"),
    "chinese": ("小明", "王"),
    "japanese": ("さくら", "佐藤"),
    "korean": ("민준", "김"),
}


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("مُحَمَّد عبد الله", ["محمد", "عبد", "الله"]),  # vowel signs go, letters stay
        ("Ἑλένη ΠΑΠΑΔΟΠΟΎΛΟΥ", ["ελενη", "παπαδοπουλου"]),  # breathing, tonos and case folded
        ("Δημήτρης", ["δημητρησ"]),  # final sigma folds to sigma
        ("ЙОСИФ Ёлкин", ["иосиф", "елкин"]),
        ("王小明", ["王小明"]),
        ("Zoë O'Brien-Smith", ["zoe", "o", "brien", "smith"]),
    ],
)
def test_folding_keeps_every_script(text, words):
    assert search.normalise_words(text) == words


def test_a_script_is_never_folded_into_nothing():
    for first, last in NAMES.values():
        assert search.name_digests(first, last), (first, last)


@pytest.mark.parametrize(
    ("script", "query"),
    [
        ("arabic", "محمد"),  # typed without vowel signs
        ("arabic", "مُحَمَّد"),  # typed with them
        ("arabic", "عبد"),
        ("greek", "ελενη"),  # without accents, lower case
        ("greek", "ΠΑΠΑΔ"),  # a prefix in capitals
        ("cyrillic", "йосиф"),
        ("cyrillic", "стал"),
        ("chinese", "王"),  # one character: a whole family name
        ("chinese", "小明"),
        ("japanese", "佐藤"),
        ("japanese", "さく"),
        ("korean", "김"),
        ("korean", "민준"),
    ],
)
def test_the_client_list_finds_names_in_other_scripts(alice, script, query):
    first, last = NAMES[script]
    wanted = ClientFactory(primary_therapist=alice, with_members=False)
    MemberFactory(client=wanted, first_name=first, last_name=last)
    other = ClientFactory(primary_therapist=alice, with_members=False)
    MemberFactory(client=other, first_name="Ada", last_name="Lovelace")
    assert list(selectors.client_list(therapist=alice, q=query)) == [wanted]


@pytest.mark.parametrize("query", ["سارة", "Ολγα", "Ольга", "李", "陈"])
def test_names_that_differ_are_not_found(alice, query):
    unit = ClientFactory(primary_therapist=alice, with_members=False)
    MemberFactory(client=unit, first_name="小明", last_name="王")
    MemberFactory(client=unit, position=2, first_name="Ἑλένη", last_name="Йосиф")
    assert not selectors.client_list(therapist=alice, q=query).exists()


def test_the_index_is_rebuilt_after_a_key_rotation(alice, settings):
    unit = ClientFactory(primary_therapist=alice, with_members=False)
    MemberFactory(client=unit, first_name="Ἑλένη", last_name="王小明")
    settings.FIELD_ENCRYPTION_KEY = [Fernet.generate_key().decode(), *settings.FIELD_ENCRYPTION_KEY]
    assert not selectors.client_list(therapist=alice, q="ελενη").exists()  # tokens keyed by the old key

    out = io.StringIO()
    call_command("rotate_encryption_key", stdout=out, stderr=io.StringIO())
    assert "Rebuilt search tokens for 1 member." in out.getvalue()
    assert list(selectors.client_list(therapist=alice, q="ελενη")) == [unit]
    assert list(selectors.client_list(therapist=alice, q="小明")) == [unit]


def test_the_migration_rebuilds_tokens_the_old_folding_never_wrote(alice):
    unit = ClientFactory(primary_therapist=alice, with_members=False)
    member = MemberFactory(client=unit, first_name="Йосиф", last_name="王")
    MemberSearchToken.objects.filter(member=member).delete()  # what the ASCII folding left: nothing
    assert not selectors.client_list(therapist=alice, q="йосиф").exists()

    migration = importlib.import_module("clients.migrations.0013_search_tokens_every_script")
    migration.rebuild(django_apps, None)
    assert list(selectors.client_list(therapist=alice, q="йосиф")) == [unit]
    assert list(selectors.client_list(therapist=alice, q="王")) == [unit]
    assert MemberSearchToken.objects.filter(member=member).count() == len(search.name_digests("Йосиф", "王"))
