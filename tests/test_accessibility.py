"""Every form control on the main pages has a label a screen reader can announce."""

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

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
