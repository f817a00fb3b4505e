"""PHQ-9 item 9 above 0 raises one risk alert (the clinical-safety mechanism, clients/alerts.py), in
the submitting transaction; the client then sees the crisis text."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from clients.alerts import RISK_ALERT
from clients.models import RiskAlert
from measures import services
from measures.models import MeasureAssignment, MeasureRequest, MeasureResponse
from outbox.models import Notification
from practice.models import PracticeSettings

CRISIS = "ZQXCRISIS call the Harbour crisis line on 0800 555 0101."


def phq9(item9: int) -> dict:
    return {**{str(n): 1 for n in range(1, 9)}, "9": item9}


@pytest.fixture
def asked(alice, pair, partners):
    services.assignment_create(
        client=pair, by=alice.user, instrument="phq9", schedule=MeasureAssignment.Schedule.ONCE, member=partners[1]
    )
    return MeasureRequest.objects.get(member=partners[1])


def post_answers(client, request, answers):
    client.force_login(request.member.user)
    data = {f"item_{k}": v for k, v in answers.items()}
    return client.post(reverse("portal:measure", args=[request.pk]), data)


@pytest.mark.parametrize("item9", [1, 2, 3])
def test_item_9_above_0_raises_one_alert(client, asked, item9):
    response = post_answers(client, asked, phq9(item9))
    assert response.status_code == 302
    saved = MeasureResponse.objects.get(request=asked)
    alert = RiskAlert.objects.get()
    assert (alert.source, alert.source_id, alert.member_id) == ("measure", str(saved.pk), asked.member_id)
    assert Notification.objects.filter(kind=RISK_ALERT).count() >= 1  # the unit's therapist is told


def test_item_9_at_0_raises_none(client, asked):
    post_answers(client, asked, phq9(0))
    assert MeasureResponse.objects.filter(request=asked).exists()
    assert not RiskAlert.objects.exists()


def test_a_second_submit_raises_no_second_alert(client, asked):
    post_answers(client, asked, phq9(2))
    again = post_answers(client, asked, phq9(3))
    assert again.status_code in (200, 302)
    assert RiskAlert.objects.count() == 1 and MeasureResponse.objects.count() == 1
    with pytest.raises(ValidationError):
        services.response_submit(request=asked, by=asked.member.user, answers=phq9(3))
    assert RiskAlert.objects.count() == 1


def test_the_client_sees_the_crisis_text_after_a_risky_answer(client, asked):
    row = PracticeSettings.current()
    row.crisis_text = CRISIS
    row.save()
    page = client.get(post_answers(client, asked, phq9(1)).url)
    assert CRISIS in page.content.decode()


def test_no_crisis_text_without_a_risky_answer(client, asked):
    row = PracticeSettings.current()
    row.crisis_text = CRISIS
    row.save()
    page = client.get(post_answers(client, asked, phq9(0)).url)
    assert page.status_code == 200 and CRISIS not in page.content.decode()


def test_an_answer_given_in_session_raises_one_alert_too(client, alice, pair, partners):
    client.force_login(alice.user)
    url = reverse("measures:administer", args=[pair.pk, partners[0].pk])
    data = {"instrument": "phq9", **{f"item_{k}": v for k, v in phq9(1).items()}}
    assert client.post(url, data).status_code == 302
    alert = RiskAlert.objects.get()
    assert alert.source_id == str(MeasureResponse.objects.get().pk) and alert.member_id == partners[0].pk


def test_unscorable_answers_raise_nothing_and_keep_what_was_chosen(client, asked):
    answers = {**phq9(2), "1": None, "2": None, "3": None}  # three missing: the PHQ-9 cannot be scored
    response = post_answers(client, asked, {k: v for k, v in answers.items() if v is not None})
    assert response.status_code == 400
    assert "needs an answer to question 1, 2, 3" in response.content.decode()
    assert re.search(r'name="item_9" value="2"[^>]*checked', response.content.decode())  # nothing chosen is lost
    assert not RiskAlert.objects.exists() and not MeasureResponse.objects.exists()
