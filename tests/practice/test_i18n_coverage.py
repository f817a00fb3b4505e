"""Every template with text a person reads is marked for translation (issue 23), and a catalogue
really changes what a portal page says."""

import re
import struct
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from tests.factories import portal_user_for

TEMPLATES = Path(settings.BASE_DIR) / "templates"

# Templates that may have visible text without `{% load i18n %}`, each with its reason.
EXCEPTIONS: dict[str, str] = {}

# What is not visible text: template tags and comments, HTML comments, scripts and styles, tags
# (with their attributes), variables and character references.
_HIDDEN = [
    re.compile(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", re.S),
    re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I),
    re.compile(r"<!--.*?-->", re.S),
    re.compile(r"{#.*?#}", re.S),
    re.compile(r"{%.*?%}", re.S),
    re.compile(r"{{.*?}}", re.S),
    re.compile(r"<[a-zA-Z/!][^>]*>", re.S),
    re.compile(r"&#?\w+;"),
]
_LOADS_I18N = re.compile(r"{%\s*load\s+(?:[\w.]+\s+)*i18n(?:\s+[\w.]+)*\s*%}")


def visible_text(source: str) -> str:
    for pattern in _HIDDEN:
        source = pattern.sub(" ", source)
    return " ".join(source.split())


def has_words(source: str) -> bool:
    return re.search(r"[A-Za-z]{2}", visible_text(source)) is not None


def all_templates() -> list[Path]:
    return sorted(p for p in TEMPLATES.rglob("*") if p.suffix in {".html", ".txt"})


def test_the_walk_sees_the_templates_and_tells_text_from_markup():
    names = {p.relative_to(TEMPLATES).as_posix() for p in all_templates()}
    assert {"base.html", "404.html", "503.html", "emails/message_notice.txt"} <= names
    assert len(names) > 150
    # The detector itself: words count, markup, variables and comments do not.
    assert has_words("<p>Hello</p>")
    assert not has_words('{# A note #}<p class="x">{{ name }}</p>{% if a %}&rarr;{% endif %}')
    assert not has_words("<script>var words = 1;</script><!-- hidden words -->")
    assert _LOADS_I18N.search("{% load billing i18n tz %}") and not _LOADS_I18N.search("{% load tz %}")


def test_every_template_with_visible_text_loads_i18n():
    missing = [
        name
        for path in all_templates()
        if (name := path.relative_to(TEMPLATES).as_posix()) not in EXCEPTIONS
        and has_words(source := path.read_text())
        and not _LOADS_I18N.search(source)
    ]
    assert missing == [], f"Mark these for translation ({{% load i18n %}} and {{% translate %}}): {missing}"


def test_the_exceptions_are_still_real():
    for name in EXCEPTIONS:
        assert (TEMPLATES / name).exists(), f"{name} is listed as an exception but is gone"


# ------------------------------------------------------------ a fake catalogue changes a portal page


def write_mo(path: Path, messages: dict[str, str]) -> None:
    """A GNU gettext catalogue (.mo) with `messages` (msgid -> msgstr), as msgfmt writes it."""
    entries = {"": "Content-Type: text/plain; charset=UTF-8\n", **messages}
    ids = sorted(entries)
    keys = b"".join(i.encode() + b"\0" for i in ids)
    values = b"".join(entries[i].encode() + b"\0" for i in ids)
    start = 7 * 4 + 16 * len(ids)
    key_table, value_table = [], []
    offset = 0
    for i in ids:
        key_table += [len(i.encode()), start + offset]
        offset += len(i.encode()) + 1
    offset = 0
    for i in ids:
        value_table += [len(entries[i].encode()), start + len(keys) + offset]
        offset += len(entries[i].encode()) + 1
    header = struct.pack("Iiiiiii", 0x950412DE, 0, len(ids), 7 * 4, 7 * 4 + 8 * len(ids), 0, 0)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        header
        + struct.pack(f"{len(key_table)}i", *key_table)
        + struct.pack(f"{len(value_table)}i", *value_table)
        + keys
        + values
    )


@pytest.fixture
def fake_french(tmp_path):
    write_mo(
        tmp_path / "fr" / "LC_MESSAGES" / "django.mo",
        {
            "Your sessions": "Vos séances",
            "My details": "Mes coordonnées",
            "Recorded by the practice": "Enregistré par le cabinet",
        },
    )
    languages = [*settings.LANGUAGES, ("fr", "Français")]
    with override_settings(LANGUAGES=languages, LOCALE_PATHS=[tmp_path, *settings.LOCALE_PATHS]):
        yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.mark.django_db
def test_a_catalogue_changes_the_portal_pages_text(client, solo, fake_french):
    client.force_login(portal_user_for(solo.members.get()))

    english = client.get(reverse("portal:profile")).content.decode()
    assert "My details" in english and "Mes coordonnées" not in english

    profile = client.get(reverse("portal:profile"), headers={"accept-language": "fr"}).content.decode()
    assert '<html lang="fr"' in profile
    assert "Mes coordonnées" in profile and "Enregistré par le cabinet" in profile
    assert "My details" not in profile and "Recorded by the practice" not in profile

    home = client.get(reverse("portal:home"), headers={"accept-language": "fr"}).content.decode()
    assert "Vos séances" in home and "Your sessions" not in home
