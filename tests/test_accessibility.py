"""Every form control on the main pages has a label a screen reader can announce."""

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from clients.panels import TABS
from tests.factories import portal_user_for


class Controls(HTMLParser):
    def __init__(self):
        super().__init__()
        self.controls, self.label_for, self.open_labels = [], set(), 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "label":
            self.open_labels += 1
            if attrs.get("for"):
                self.label_for.add(attrs["for"])
        if tag in ("input", "select", "textarea"):
            kind = attrs.get("type", "text")
            if tag == "input" and kind in ("hidden", "submit", "button", "image", "reset"):
                return
            if "tabindex" in attrs and attrs["tabindex"] == "-1" and "aria-hidden" in attrs:
                return  # the referral form's honeypot: hidden from people and screen readers on purpose
            self.controls.append((tag, attrs, self.open_labels > 0))

    def handle_endtag(self, tag):
        if tag == "label":
            self.open_labels -= 1


def unlabelled(html: str) -> list[str]:
    parser = Controls()
    parser.feed(html)
    return [
        f"<{tag} name={attrs.get('name')!r}>"
        for tag, attrs, wrapped in parser.controls
        if not (
            wrapped or attrs.get("aria-label") or attrs.get("aria-labelledby") or attrs.get("id") in parser.label_for
        )
    ]


PUBLIC = ["account_login", "account_reset_password", "referrals:refer"]
THERAPIST = [
    "clients:create",
    "clients:list",
    "sessions_app:appointment_new",
    "sessions_app:availability",
    "sessions_app:schedule",
    "referrals:triage",
    "resources:library",
    "resources:workshop_create",
]
PORTAL = ["portal:intake", "portal:profile", "portal:consents", "portal:book"]


@pytest.mark.parametrize("name", PUBLIC)
def test_public_pages(client, db, name):
    assert unlabelled(client.get(reverse(name)).content.decode()) == []


@pytest.mark.parametrize("name", THERAPIST)
def test_therapist_pages(client, alice, name):
    client.force_login(alice.user)
    r = client.get(reverse(name))
    assert r.status_code == 200 and unlabelled(r.content.decode()) == []


CALENDAR_VIEWS = ["day", "week", "month"]


@pytest.mark.parametrize("view", CALENDAR_VIEWS)
def test_calendar_views_label_every_control_for_therapists_and_staff(client, alice, staff_user, solo, view):
    for user in (alice.user, staff_user):
        client.force_login(user)
        r = client.get(reverse("sessions_app:schedule"), {"view": view})
        assert r.status_code == 200 and unlabelled(r.content.decode()) == []


@pytest.mark.parametrize("view", ["day", "week"])
def test_every_free_hour_says_what_it_books(client, alice, view):
    """A slot's visible text is only "+ 10:00" on hover or focus: its name says the day and what it does."""
    client.force_login(alice.user)
    html = client.get(reverse("sessions_app:schedule"), {"view": view}).content.decode()
    slots = re.findall(r'<a class="cal-slot[^>]*>(.*?)</a>', html)
    named = re.compile(r"\+ \d\d:\d\d</span><span class=\"visually-hidden\"> Book \w+day ")
    assert slots and all(named.search(s) for s in slots)


@pytest.mark.parametrize("name", PORTAL)
def test_portal_pages(client, solo, name):
    client.force_login(portal_user_for(solo.members.get()))
    r = client.get(reverse(name))
    assert r.status_code == 200 and unlabelled(r.content.decode()) == []


def test_the_owners_activity_page(client, alice):
    alice.user.practice_owner = True
    alice.user.save(update_fields=["practice_owner"])
    client.force_login(alice.user)
    r = client.get(reverse("activity:list"))
    assert r.status_code == 200 and unlabelled(r.content.decode()) == []


def test_the_checker_finds_an_unlabelled_input():
    assert unlabelled('<form><input name="x"><label for="y">Y</label><input id="y" name="y"></form>') == [
        "<input name='x'>"
    ]


# --- Issue 23: the client page, the forms it touches, and the design system's contrast ----------

FORMS_WITH_A_CLIENT = ["clients:detail", "clients:note_create", "clients:edit", "clients:goal_create"]
FORMS = ["clients:note_templates", "clients:note_template_create", "practice:preferences"]


@pytest.mark.parametrize("name", FORMS_WITH_A_CLIENT)
def test_the_client_page_and_its_forms_are_labelled(client, alice, pair, name):
    client.force_login(alice.user)
    r = client.get(reverse(name, args=[pair.pk]))
    assert r.status_code == 200 and unlabelled(r.content.decode()) == []


@pytest.mark.parametrize("tab", [name for name, _label in TABS])
def test_every_tab_of_the_client_page_is_labelled(client, alice, pair, tab):
    """Each tab is rendered only on its own page (the others are fetched when opened)."""
    client.force_login(alice.user)
    r = client.get(reverse("clients:detail", args=[pair.pk]), {"tab": tab})
    assert r.status_code == 200 and unlabelled(r.content.decode()) == []


def test_the_member_form_is_labelled_and_in_sections(client, alice, pair):
    client.force_login(alice.user)
    member = pair.members.first()
    body = client.get(reverse("clients:member_edit", args=[pair.pk, member.pk])).content.decode()
    assert unlabelled(body) == [] and body.count("<legend") == 4


@pytest.mark.parametrize("name", FORMS)
def test_the_account_and_template_pages_are_labelled(client, alice, name):
    client.force_login(alice.user)
    r = client.get(reverse(name))
    assert r.status_code == 200 and unlabelled(r.content.decode()) == []


def test_the_tabs_are_links_in_a_named_navigation(client, alice, pair):
    client.force_login(alice.user)
    body = client.get(reverse("clients:detail", args=[pair.pk])).content.decode()
    assert '<nav aria-label="Sections of the record">' in body
    assert body.count('aria-current="page"') >= 1


def _tokens() -> dict[str, str]:
    from django.conf import settings

    css = (settings.BASE_DIR / "static" / "css" / "tokens.css").read_text()
    return dict(re.findall(r"(--pp-[\w-]+):\s*(#[0-9a-fA-F]{6})\s*;", css))


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_the_contrast_formula_matches_wcag():
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#767676", "#ffffff"), 2) == 4.54  # the classic lightest AA grey


def test_every_foreground_token_meets_aa_on_its_background():
    tokens = _tokens()
    pairs = [(name, name[: -len("-fg")] + "-bg") for name in tokens if name.endswith("-fg")]
    assert len(pairs) >= 8, pairs  # the nav, on-primary and every status badge
    low = {f"{fg} on {bg}": round(contrast(tokens[fg], tokens[bg]), 2) for fg, bg in pairs if bg in tokens}
    assert len(low) == len(pairs), "every -fg token needs its -bg"
    assert {pair: ratio for pair, ratio in low.items() if ratio < 4.5} == {}


@pytest.mark.parametrize("text", ["--pp-text", "--pp-text-muted", "--pp-link", "--pp-link-hover", "--pp-primary"])
@pytest.mark.parametrize("surface", ["--pp-surface", "--pp-surface-alt"])
def test_text_tokens_meet_aa_on_every_surface(text, surface):
    tokens = _tokens()
    assert contrast(tokens[text], tokens[surface]) >= 4.5
