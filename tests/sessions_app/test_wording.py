"""Wording that reads as a person would write it: counts agree with their nouns (ngettext or
pluralize), names of things have their right plurals, abbreviations keep their capitals."""

from datetime import UTC, datetime

import pytest
from django.apps import apps
from django.core.management import call_command
from django.urls import reverse

from tests.factories import ClientFactory
from tests.sessions_app.test_dashboard import at, session


@pytest.mark.parametrize(
    ("late", "expected"),
    [(0, "0 late cancellations."), (1, "1 late cancellation."), (2, "2 late cancellations.")],
)
def test_the_dashboard_counts_agree_with_their_nouns(client, alice, solo, monday, late, expected):
    for day in range(late):
        session(alice, solo, at(1 + day, 10), status="late_cancelled")
    session(alice, solo, datetime(2026, 12, 28, 10, tzinfo=UTC), status="no_show")
    client.force_login(alice.user)
    body = client.get(reverse("dashboard")).content.decode()
    assert expected in body
    assert "1 no-show" in body and "1 no-shows" not in body


@pytest.mark.parametrize(
    ("label", "plural"),
    [
        ("clients.Addendum", "addenda"),
        ("resources.StepProgress", "stage progress"),
        ("resources.Feedback", "feedback"),
        ("billing.WriteOff", "write-offs"),
    ],
)
def test_things_have_their_right_plurals(label, plural):
    assert apps.get_model(label)._meta.verbose_name_plural == plural


def test_no_model_is_named_with_a_doubled_or_wrong_plural():
    ours = ("practice", "outbox", "clients", "documents", "sessions_app", "referrals", "resources", "billing")
    for model in apps.get_models():
        if model._meta.app_label in ours:
            plural = str(model._meta.verbose_name_plural)
            assert not plural.endswith(("sss", "ums", "backs", " offs")), (model._meta.label, plural)


def test_the_member_form_says_sms_in_capitals(client, alice, solo):
    member = solo.members.get()
    client.force_login(alice.user)
    body = client.get(reverse("clients:member_edit", args=[solo.pk, member.pk])).content.decode()
    assert "Contact by SMS" in body and "Contact by sms" not in body and "Contact by email" in body


@pytest.mark.parametrize(("units", "expected"), [(1, "for 1 member."), (2, "for 2 members.")])
def test_the_search_rebuild_counts_members(db, capsys, units, expected):
    for _ in range(units):
        ClientFactory()
    call_command("rebuild_search_index")
    assert f"Rebuilt search tokens {expected}" in capsys.readouterr().out
