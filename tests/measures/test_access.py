"""A partner never sees the other's answers or scores; staff, another therapist and a stranger see
none; every read is audited. Every measures URL with an id is also in the global access sweep
(tests/test_access_sweep_all.py), which fails when one is missing: checked here too."""

import re

import pytest
from django.urls import reverse

from measures import services
from measures.models import MeasureAssignment, MeasureRequest, MeasureResponse
from practice.models import AuditEvent
from tests.factories import ClientFactory, portal_user_for
from tests.test_access_sweep_all import REGISTRY, id_routes

CSI4_A = {"1": 5, "2": 4, "3": 4, "4": 4}  # 17
CSI4_B = {"1": 1, "2": 2, "3": 1, "4": 2}  # 6


@pytest.fixture
def answered(alice, pair, partners):
    services.assignment_create(client=pair, by=alice.user, instrument="csi4", schedule=MeasureAssignment.Schedule.ONCE)
    ada, bea = partners
    for member, answers in ((ada, CSI4_A), (bea, CSI4_B)):
        services.response_submit(request=MeasureRequest.objects.get(member=member), by=member.user, answers=answers)
    return {m.pk: MeasureResponse.objects.get(member=m) for m in partners}


def test_every_measures_route_with_an_id_is_in_the_sweep():
    ours = {name for name in id_routes() if name.startswith("measures:") or name == "portal:measure"}
    assert ours == {
        "measures:client",
        "measures:assign",
        "measures:administer",
        "measures:assignment_end",
        "measures:response",
        "portal:measure",
    }
    assert ours <= set(REGISTRY)


def test_a_partner_cannot_open_the_others_request_even_after_it_was_answered(client, partners, answered):
    ada, bea = partners
    client.force_login(ada.user)
    theirs = MeasureRequest.objects.get(member=bea)
    for method in ("get", "post"):
        assert getattr(client, method)(reverse("portal:measure", args=[theirs.pk])).status_code == 404


def test_a_partner_sees_only_their_own_check_ins(client, alice, pair, partners):
    services.assignment_create(
        client=pair, by=alice.user, instrument="gad7", schedule=MeasureAssignment.Schedule.ONCE, member=partners[1]
    )
    client.force_login(partners[0].user)
    page = client.get(reverse("portal:measures")).content.decode()
    assert "GAD-7" not in page and "Nothing to answer just now" in page
    client.force_login(partners[1].user)
    assert "GAD-7" in client.get(reverse("portal:measures")).content.decode()


def test_the_partners_page_after_answering_shows_no_score(client, partners, answered):
    ada = partners[0]
    client.force_login(ada.user)
    page = client.get(reverse("portal:measure", args=[answered[ada.pk].request_id])).content.decode()
    # The score (17) as text, not inside the layout's attributes (the idle clock's seconds left can be 1799).
    text = re.sub(r"<[^>]*>", " ", page)
    assert "Thank you" in page and not re.search(r"\b17\b", text) and "dissatisfaction" not in page


@pytest.mark.parametrize("who", ["staff", "charlie", "stranger"])
def test_outsiders_see_no_answers_or_scores(client, request, pair, partners, answered, who):
    if who == "staff":
        user = request.getfixturevalue("staff_user")
    elif who == "charlie":
        user = request.getfixturevalue("charlie").user
    else:
        user = portal_user_for(ClientFactory(primary_therapist=pair.primary_therapist).members.get())
    client.force_login(user)
    urls = [
        reverse("measures:client", args=[pair.pk]),
        reverse("measures:administer", args=[pair.pk, partners[0].pk]),
        *(reverse("measures:response", args=[r.pk]) for r in answered.values()),
        *(reverse("portal:measure", args=[r.request_id]) for r in answered.values()),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url


def test_staff_see_no_measures_on_the_client_page(client, staff_user, pair, answered):
    client.force_login(staff_user)
    page = client.get(reverse("clients:contact", args=[pair.pk])).content.decode()
    assert "CSI-4" not in page and "Charts and assignments" not in page


def test_the_therapist_sees_both_lines_and_every_read_is_audited(client, alice, pair, partners, answered):
    client.force_login(alice.user)
    page = client.get(reverse("measures:client", args=[pair.pk])).content.decode()
    assert page.count('class="measure-line"') == 2
    for member in partners:
        assert f"{member.display_name}, " in page
    viewed = AuditEvent.objects.filter(action="view", target_type="measures.measureresponse", actor=alice.user)
    assert sorted(viewed.values_list("target_id", flat=True)) == sorted(str(r.pk) for r in answered.values())


def test_the_measures_page_query_count_is_fixed(client, alice, pair, partners, answered, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(alice.user)
    url = reverse("measures:client", args=[pair.pk])
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for member in partners:
        for _round in range(3):
            services.response_administer(member=member, instrument="csi4", by=alice.user, answers=CSI4_A)
            services.response_administer(
                member=member, instrument="phq9", by=alice.user, answers=dict.fromkeys("123456789", 1)
            )
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(url)


def test_one_response_page_is_audited(client, alice, partners, answered):
    client.force_login(alice.user)
    row = answered[partners[1].pk]
    page = client.get(reverse("measures:response", args=[row.pk])).content.decode()
    assert "score <strong>6</strong>" in page
    assert (
        AuditEvent.objects.filter(action="view", target_id=str(row.pk), target_type="measures.measureresponse").count()
        == 1
    )


def test_the_export_of_a_member_holds_their_own_measures_only(alice, pair, partners, answered):
    from clients.export import client_record_export

    ada, bea = partners
    record = client_record_export(client=pair, therapist=alice, include_psychotherapy=False, member=ada)
    assert [m["member"] for m in record["measures"]] == [ada.pk]
    assert record["measures"][0]["answers"] == CSI4_A
    whole = client_record_export(client=pair, therapist=alice, include_psychotherapy=False, member=None)
    assert sorted(m["member"] for m in whole["measures"]) == sorted([ada.pk, bea.pk])
