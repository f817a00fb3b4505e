"""The therapist's and the client's pages: assign, give one in session, the dashboard, drafts."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from measures import services
from measures.models import MeasureAssignment, MeasureRequest, MeasureResponse
from practice.models import Draft
from tests.factories import ClientFactory

pytestmark = pytest.mark.usefixtures("monday")


def test_assigning_from_the_page_asks_both_partners_at_once(client, alice, pair):
    client.force_login(alice.user)
    response = client.post(
        reverse("measures:assign", args=[pair.pk]), {"instrument": "csi16", "schedule": "once", "who": ""}
    )
    assert response.status_code == 302
    assert MeasureRequest.objects.filter(assignment__client=pair, due_key="once").count() == 2


def test_bad_assign_input_is_refused_with_a_message_and_nothing_saved(client, alice, pair):
    client.force_login(alice.user)
    url = reverse("measures:assign", args=[pair.pk])
    response = client.post(url, {"instrument": "csi16", "schedule": "every_n_weeks", "who": "", "every": ""})
    assert response.status_code == 400 and "Say how many sessions or weeks apart." in response.content.decode()
    assert client.post(url, {"instrument": "nope", "schedule": "once"}).status_code == 400
    assert not MeasureAssignment.objects.exists()


def test_giving_one_in_session_scores_it_and_shows_it(client, alice, pair, partners):
    client.force_login(alice.user)
    url = reverse("measures:administer", args=[pair.pk, partners[0].pk])
    assert "CSI-4" in client.get(url).content.decode()  # the choice of instrument
    data = {"instrument": "gad7", **{f"item_{n}": "2" for n in range(1, 8)}}
    shown = client.get(client.post(url, data).url).content.decode()
    assert "score <strong>14</strong> (Moderate)" in shown
    assert MeasureResponse.objects.get().via == MeasureResponse.Via.IN_SESSION


def test_an_answer_that_is_not_an_option_is_refused_and_kept(client, alice, pair, partners):
    client.force_login(alice.user)
    url = reverse("measures:administer", args=[pair.pk, partners[0].pk])
    response = client.post(url, {"instrument": "csi4", "item_1": "6", "item_2": "9", "item_3": "1", "item_4": "1"})
    assert response.status_code == 400 and not MeasureResponse.objects.exists()
    assert re.search(r'name="item_1" value="6"[^>]*checked', response.content.decode())


def test_an_individual_clients_chart_has_one_line(client, alice):
    unit = ClientFactory(primary_therapist=alice)
    member = unit.members.get()
    services.response_administer(member=member, instrument="phq9", by=alice.user, answers=dict.fromkeys("123456789", 2))
    client.force_login(alice.user)
    page = client.get(reverse("measures:client", args=[unit.pk])).content.decode()
    assert page.count('class="measure-line"') == 1 and "Moderately severe" in page


def test_the_dashboard_lists_measures_due_and_completed_since_the_last_session(client, alice, pair, partners):
    from sessions_app import services as sessions

    past = sessions.appointment_book(
        therapist=alice, client=pair, members=partners, start=timezone.now() - timedelta(days=3), by=alice.user
    )
    sessions.appointment_mark(appointment=past, status="attended", by=alice.user)
    services.assignment_create(client=pair, by=alice.user, instrument="csi4", schedule="once", member=partners[1])
    before, _ = services.response_administer(
        member=partners[0], instrument="gad7", by=alice.user, answers=dict.fromkeys("1234567", 0)
    )
    MeasureResponse.objects.filter(pk=before.pk).update(submitted_at=timezone.now() - timedelta(days=5))
    services.response_administer(
        member=partners[0], instrument="phq9", by=alice.user, answers=dict.fromkeys("123456789", 0)
    )
    client.force_login(alice.user)
    page = client.get(reverse("dashboard")).content.decode()
    section = page[page.index('id="measures-dash-heading"') :]
    due, completed = section.split("Completed since the last session")
    assert "CSI-4" in due and partners[1].display_name in due
    assert "PHQ-9" in completed and "GAD-7" not in completed  # answered before the last session


def test_the_dashboard_panel_reads_no_answers_scores_or_contact_details(client, alice, pair, partners):
    """It shows a reference, a display name, an instrument and a time: the answers, the score and the
    member's other (encrypted) columns are not read, so not decrypted, for each of up to 120 rows."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    services.assignment_create(client=pair, by=alice.user, instrument="csi4", schedule="once", member=partners[1])
    services.response_administer(
        member=partners[0], instrument="phq9", by=alice.user, answers=dict.fromkeys("123456789", 0)
    )
    client.force_login(alice.user)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("dashboard")).content.decode()
    section = page[page.index('id="measures-dash-heading"') :]
    assert "CSI-4" in section and "PHQ-9" in section and partners[0].display_name in section
    panel = [q["sql"] for q in queries.captured_queries if 'FROM "measures_measure' in q["sql"]]
    assert len(panel) == 2
    for sql in panel:
        selected = sql[: sql.index(" FROM ")]
        assert '"answers"' not in selected and '"score"' not in selected
        for column in ("last_name", "email", "phone", "date_of_birth", "address"):
            assert f'"clients_member"."{column}"' not in selected


def test_a_draft_for_the_partners_questionnaire_is_refused(client, alice, pair, partners):
    services.assignment_create(client=pair, by=alice.user, instrument="csi4", schedule="once")
    theirs = MeasureRequest.objects.get(member=partners[1])
    client.force_login(partners[0].user)
    url = reverse("practice:draft_save")
    refused = client.post(url, {"draft_key": f"measures.request:{theirs.pk}", "item_1": "3"})
    assert refused.status_code == 404 and not Draft.objects.exists()
    own = MeasureRequest.objects.get(member=partners[0])
    assert client.post(url, {"draft_key": f"measures.request:{own.pk}", "item_1": "3"}).status_code in (200, 204)
    page = client.get(reverse("portal:measure", args=[own.pk])).content.decode()
    assert re.search(r'name="item_1" value="3"[^>]*checked', page) and "not saved yet" in page
