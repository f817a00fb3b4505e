"""The client page: a summary that stays in view, and the record in tabs (?tab=), every panel that
other apps register landing in a tab, only the current tab read and rendered, and all of it without
JavaScript."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from clients import panels
from clients.models import Note
from sessions_app import services as session_services
from sessions_app.models import Modality
from tests.factories import sign_for_video


def panel_of(body: str, name: str) -> str:
    """The HTML of one tab's panel, with its opening tag."""
    start = body.index(f'data-tab-panel="{name}"')
    start = body.rindex("<div", 0, start)
    following = body.find("data-tab-panel=", body.index(">", start))
    return body[start : following if following != -1 else len(body)]


def is_hidden(body: str, name: str) -> bool:
    opening = panel_of(body, name).split(">", 1)[0]
    return " hidden" in opening


def page(client, user, unit, **params):
    client.force_login(user)
    r = client.get(reverse("clients:detail", args=[unit.pk]), params)
    assert r.status_code == 200
    return r.content.decode()


def test_the_page_opens_on_the_overview_with_every_tab_linked(client, alice, pair):
    body = page(client, alice.user, pair)
    assert not is_hidden(body, "overview")
    assert all(is_hidden(body, name) for name in ("notes", "sessions", "homework", "documents", "timeline"))
    tabs = re.findall(r'<a href="\?tab=(\w+)" data-tab="\w+"( aria-current="page")?', body)
    assert [name for name, _ in tabs] == ["overview", "notes", "sessions", "homework", "documents", "timeline"]
    assert [name for name, current in tabs if current] == ["overview"]


@pytest.mark.parametrize("tab", ["notes", "sessions", "homework", "documents", "timeline"])
def test_each_tab_is_a_page_of_its_own(client, alice, pair, tab):
    body = page(client, alice.user, pair, tab=tab)
    assert not is_hidden(body, tab) and is_hidden(body, "overview")
    assert f'<a href="?tab={tab}" data-tab="{tab}" aria-current="page">' in body


@pytest.mark.parametrize("tab", ["nope", "", "<script>", "overview"])
def test_an_unknown_tab_opens_the_overview(client, alice, pair, tab):
    body = page(client, alice.user, pair, tab=tab)
    assert not is_hidden(body, "overview") and "<script>" not in panel_of(body, "overview")


def test_other_apps_panels_land_in_their_tabs(client, alice, pair):
    def tab(name):
        return panel_of(page(client, alice.user, pair, tab=name), name)

    assert 'aria-labelledby="documents-heading"' in tab("documents")
    assert 'aria-labelledby="homework-heading"' in tab("homework")
    assert 'id="billing-heading"' in tab("overview")
    assert 'aria-labelledby="notes-heading"' in tab("notes")
    assert 'aria-labelledby="consents-heading"' in tab("documents")


@pytest.mark.parametrize("tab", ["overview", "notes", "sessions", "homework", "documents", "timeline"])
def test_a_page_holds_its_own_tab_and_a_link_to_each_other(client, alice, pair, tab):
    """Only the current tab is read and rendered; the others hold a link to their own page, which
    static/js/tabs.js fetches when one is opened (and which works without the script)."""
    note = Note.objects.create(client=pair, author=alice, body="x")
    body = page(client, alice.user, pair, tab=tab)
    for name in ("overview", "notes", "sessions", "homework", "documents", "timeline"):
        panel = panel_of(body, name)
        if name == tab:
            assert "data-tab-loaded" in panel.split(">", 1)[0] and "data-tab-placeholder" not in panel
        else:
            assert "data-tab-loaded" not in panel and f'<a href="?tab={name}">Open this section</a>' in panel
    # The note is linked from the notes tab and the timeline only.
    linked = reverse("clients:note", args=[note.pk]) in body
    assert linked == (tab in ("notes", "timeline"))


def test_a_panel_that_names_no_tab_lands_in_the_overview(client, alice, pair):
    extra = panels.Panel(name="test_extra", context=lambda c: {}, template="clients/_form_sections.html")
    odd = panels.Panel(name="test_odd", context=lambda c: {}, template="billing/_client_panel.html", tab="nowhere")
    panels.register_client_panel(extra)
    panels.register_client_panel(odd)
    try:
        assert panels.panel_tab(extra) == panels.OVERVIEW and panels.panel_tab(odd) == panels.OVERVIEW
        body = page(client, alice.user, pair)
        assert panel_of(body, "overview").count('id="billing-heading"') == 2
    finally:
        del panels._PANELS["test_extra"], panels._PANELS["test_odd"]


def test_the_summary_names_the_unit_its_next_session_and_balance(client, alice, pair):
    sign_for_video(pair)
    start = (timezone.now() + timedelta(days=3)).replace(hour=10, minute=0, second=0, microsecond=0)
    session_services.appointment_book(
        therapist=alice,
        client=pair,
        members=list(pair.members.all()),
        start=start,
        by=alice.user,
        modality=Modality.VIDEO,
    )
    body = page(client, alice.user, pair)
    summary = body[body.index('class="record-summary"') : body.index("data-tabs")]
    first, second = pair.members.order_by("position")
    assert pair.reference in summary and f"{first.display_name} &amp; {second.display_name}" in summary
    assert "Next session" in summary and timezone.localtime(start).strftime("%-d %b %Y, 10:00") in summary
    assert "Balance" in summary and "owed" in summary
    assert "status-badge" in summary and pair.get_status_display() in summary


def test_the_tab_counts_and_empty_states_say_what_next(client, alice, solo):
    notes = page(client, alice.user, solo, tab="notes")
    assert "No notes yet." in notes and "choose a template" in notes
    sessions = page(client, alice.user, solo, tab="sessions")
    assert "None booked." in sessions and "Book the next session" in sessions
    Note.objects.create(client=solo, author=alice, body="x")
    for tab in ("overview", "notes", "timeline"):  # the count is in the tabs' row, on every page
        body = page(client, alice.user, solo, tab=tab)
        assert re.search(r'data-tab="notes"( aria-current="page")?>Notes <span class="count">1</span>', body)


@pytest.mark.parametrize("tab", ["overview", "notes", "sessions", "homework", "documents", "timeline"])
def test_each_tab_keeps_its_query_count_whatever_the_record_holds(client, alice, pair, tab):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from clients.models import Goal

    client.force_login(alice.user)
    url = reverse("clients:detail", args=[pair.pk])

    def count() -> int:
        client.get(url, {"tab": tab})
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, {"tab": tab}).status_code == 200
        return len(captured.captured_queries)

    Note.objects.create(client=pair, author=alice, body="first")
    before = count()
    for i in range(5):
        Note.objects.create(client=pair, author=alice, body=f"more {i}")
        Goal.objects.create(client=pair, text=f"goal {i}", created_by=alice)
    assert count() == before


def test_the_overview_leaves_the_other_tabs_reads_to_when_they_are_opened(client, alice, pair):
    """What opening a record costs: the overview reads no consent, signature, homework or note row
    (the notes only counted, for the tab's label); the tabs that show them do."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from clients.models import Consent
    from documents.models import Signature
    from resources.models import Assignment

    client.force_login(alice.user)
    url = reverse("clients:detail", args=[pair.pk])
    tables = {
        "consents": Consent._meta.db_table,
        "signatures": Signature._meta.db_table,
        "homework": Assignment._meta.db_table,
        "notes": Note._meta.db_table,
    }

    def reads(tab) -> dict[str, list[str]]:
        with CaptureQueriesContext(connection) as captured:
            client.get(url, {"tab": tab})
        statements = [q["sql"] for q in captured.captured_queries]
        return {name: [sql for sql in statements if f'"{table}"' in sql] for name, table in tables.items()}

    overview = reads("overview")
    assert overview["consents"] == overview["signatures"] == overview["homework"] == []
    assert overview["notes"] and all("COUNT(*)" in sql for sql in overview["notes"])
    assert reads("documents")["consents"] and reads("documents")["signatures"]
    assert reads("homework")["homework"]
    assert any("COUNT(*)" not in sql for sql in reads("notes")["notes"])


def test_the_tabs_script_is_served_and_no_inline_script(client, alice, pair):
    body = page(client, alice.user, pair)
    assert '<script src="/static/js/tabs.js"></script>' in body
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body)
