"""Issue 23's pages in a real browser: a therapist writes a note from the SOAP template and sees the
draft saved; the client page's tabs work on a phone, and the record fits its width."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.models import Goal, Note, NoteTemplate
from sessions_app import services as session_services
from sessions_app.models import Modality
from tests.e2e.conftest import PHONE, sign_in
from tests.factories import PASSWORD, couple, sign_for_video


@pytest.mark.django_db(transaction=True)
def test_a_note_from_the_soap_template_saves_itself(page, shoot, alice):
    unit = couple(alice)
    sign_in(page, alice.user.email, PASSWORD, alice.totp_secret)
    page.goto(reverse("clients:note_create", args=[unit.pk]))

    page.get_by_label("Start from a template").select_option(label="SOAP")
    page.get_by_role("button", name="Use template").click()
    body = page.get_by_label("Body")
    assert body.input_value().startswith("Subjective:")
    page.get_by_text("SOAP template in the text box.").wait_for()
    body.press("End")
    body.type("\nThey practised stage 1 twice; both felt calmer.")
    page.get_by_text("Draft saved").wait_for(timeout=20000)  # the autosave, every few seconds
    shoot(page, "note-template")

    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url("**/notes/*/")
    note = Note.objects.get(client=unit)
    assert note.template == NoteTemplate.objects.get(name="SOAP")
    assert note.body.startswith("Subjective:") and "both felt calmer" in note.body


@pytest.mark.django_db(transaction=True)
def test_the_client_page_tabs_on_a_phone(page, shoot, alice):
    unit = sign_for_video(couple(alice))
    Goal.objects.create(client=unit, text="Rebuild trust after the disclosure", created_by=alice)
    note = Note.objects.create(client=unit, author=alice, body="Joint session.")
    start = (timezone.now() + timedelta(days=2)).replace(hour=11, minute=0, second=0, microsecond=0)
    session_services.appointment_book(
        therapist=alice,
        client=unit,
        members=list(unit.members.all()),
        start=start,
        by=alice.user,
        modality=Modality.VIDEO,
    )
    sign_in(page, alice.user.email, PASSWORD, alice.totp_secret)
    page.goto(reverse("clients:detail", args=[unit.pk]))
    page.get_by_role("heading", name="Treatment goals").wait_for()
    shoot(page, "client-page")

    page.set_viewport_size(PHONE)
    tabs = page.get_by_role("navigation", name="Sections of the record")
    tabs.get_by_role("link", name="Notes").click()
    page.get_by_role("heading", name="Notes", exact=True).wait_for()  # fetched from ?tab=notes when opened
    page.locator(f'a[href="{reverse("clients:note", args=[note.pk])}"]').wait_for()
    assert page.get_by_role("heading", name="Treatment goals").is_hidden()
    assert page.url.endswith("?tab=notes")
    assert tabs.get_by_role("link", name="Notes").get_attribute("aria-current") == "page"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    tabs.get_by_role("link", name="Sessions").click()
    page.get_by_role("heading", name="Upcoming").wait_for()
    assert page.get_by_role("heading", name="Notes", exact=True).is_hidden()
    shoot(page, "client-page-phone")

    page.reload()  # the address names the tab: a reload (or a shared link) lands on it
    assert page.get_by_role("heading", name="Upcoming").is_visible()
    assert page.get_by_role("heading", name="Treatment goals").is_hidden()
    tabs.get_by_role("link", name="Overview").click()  # opened on the sessions: the overview is fetched
    page.get_by_text("Rebuild trust after the disclosure").wait_for()
    assert page.get_by_role("heading", name="Upcoming").is_hidden() and page.url.endswith("?tab=overview")


@pytest.mark.django_db(transaction=True)
def test_a_tab_whose_fetch_fails_opens_as_its_own_page(page, alice):
    """The tabs script fetches a tab when it is opened; if that fails (the network, the server), the
    browser opens the tab's page itself, so the therapist never sees an empty tab."""
    unit = couple(alice)
    note = Note.objects.create(client=unit, author=alice, body="Joint session.")
    sign_in(page, alice.user.email, PASSWORD, alice.totp_secret)
    page.goto(reverse("clients:detail", args=[unit.pk]))
    page.get_by_role("heading", name="Treatment goals").wait_for()
    fetched = []

    def refuse(route):
        if route.request.resource_type == "fetch":
            fetched.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    page.route("**/clients/*/?tab=*", refuse)
    tabs = page.get_by_role("navigation", name="Sections of the record")
    with page.expect_navigation():
        tabs.get_by_role("link", name="Notes").click()
    page.locator(f'a[href="{reverse("clients:note", args=[note.pk])}"]').wait_for()
    assert fetched and fetched[0].endswith("?tab=notes") and page.url.endswith("?tab=notes")
