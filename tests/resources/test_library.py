"""The library pages: therapists and admins browse, filter, create and edit; nobody else gets in."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from practice.models import AuditAction, AuditEvent
from resources.models import ExerciseStep, Resource
from tests.factories import ResourceFactory, programme

LIBRARY = reverse("resources:library")
NEW = reverse("resources:resource_create")


def form_data(**overrides):
    data = {
        "kind": "exercise",
        "title": "Breathing together",
        "summary": "Short.",
        "instructions": "Sit back to back.",
        "link": "",
        "suits": "couples",
        "nature": "suggestion",
        "active": "on",
        "steps-TOTAL_FORMS": "2",
        "steps-INITIAL_FORMS": "0",
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "30",
        "steps-0-order": "1",
        "steps-0-title": "Sit",
        "steps-0-what_to_do": "Sit and breathe.",
        "steps-0-not_yet": "",
        "steps-1-order": "2",
        "steps-1-title": "Match",
        "steps-1-what_to_do": "Match your breathing.",
    }
    data.update(overrides)
    return data


def test_the_library_lists_and_filters(therapist_web, sensate, reading):
    ResourceFactory(title="Old handout", active=False)
    body = therapist_web.get(LIBRARY).content.decode()
    assert sensate.title in body and reading.title in body and "Old handout" not in body
    couples = therapist_web.get(LIBRARY, {"suits": "couples"}).content.decode()
    assert sensate.title in couples and reading.title in couples  # "both" suits couples too
    individuals = therapist_web.get(LIBRARY, {"suits": "individuals"}).content.decode()
    assert sensate.title not in individuals and reading.title in individuals
    exercises = therapist_web.get(LIBRARY, {"kind": "exercise", "concern": "intimacy"}).content.decode()
    assert sensate.title in exercises and reading.title not in exercises
    assert "Old handout" in therapist_web.get(LIBRARY, {"inactive": "on"}).content.decode()
    assert "Sensate" in therapist_web.get(LIBRARY, {"q": "sensate"}).content.decode()


def test_a_bad_filter_is_ignored_not_an_error(therapist_web, reading):
    assert therapist_web.get(LIBRARY, {"concern": "no-such", "kind": "x"}).status_code == 200


def test_a_therapist_creates_a_programme_with_its_stages(therapist_web, alice):
    r = therapist_web.post(NEW, form_data(concerns=["1"]))
    resource = Resource.objects.get(title="Breathing together")
    assert r.status_code == 302 and r.url == reverse("resources:resource", args=[resource.pk])
    assert list(resource.steps.values_list("order", "title")) == [(1, "Sit"), (2, "Match")]
    assert resource.created_by == alice.user and resource.concerns.count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, target_type="resources.resource").exists()


def test_a_bad_resource_keeps_what_was_typed(therapist_web):
    r = therapist_web.post(NEW, form_data(title="", **{"steps-1-what_to_do": "Keep this text"}))
    assert r.status_code == 400
    body = r.content.decode()
    assert "Keep this text" in body and "Nothing you typed has been lost" in body
    assert not Resource.objects.exists()


def test_two_stages_with_one_number_are_refused(therapist_web):
    r = therapist_web.post(NEW, form_data(**{"steps-1-order": "1"}))
    assert r.status_code == 400 and "same number" in r.content.decode()


def test_editing_renames_reorders_and_removes_stages(therapist_web):
    resource = programme(3)
    one, two, three = resource.steps.order_by("order")
    data = form_data(
        title="Renamed",
        **{
            "steps-TOTAL_FORMS": "3",
            "steps-INITIAL_FORMS": "3",
            "steps-0-id": one.pk,
            "steps-0-order": "2",
            "steps-0-title": "One",
            "steps-0-what_to_do": "x",
            "steps-1-id": two.pk,
            "steps-1-order": "",
            "steps-1-title": "Two",
            "steps-1-what_to_do": "y",
            "steps-1-DELETE": "on",
            "steps-2-id": three.pk,
            "steps-2-order": "1",
            "steps-2-title": "Three",
            "steps-2-what_to_do": "z",
        },
    )
    r = therapist_web.post(reverse("resources:resource_edit", args=[resource.pk]), data)
    assert r.status_code == 302
    assert list(resource.steps.order_by("order").values_list("title", flat=True)) == ["Three", "One"]
    assert not ExerciseStep.objects.filter(pk=two.pk).exists()


def test_a_link_and_a_file_together_are_refused_in_the_form(therapist_web):
    upload = SimpleUploadedFile("handout.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    r = therapist_web.post(NEW, form_data(kind="reading", link="https://example.org/x", file=upload))
    assert r.status_code == 400 and "not both" in r.content.decode()


def test_an_uploaded_file_is_served_only_through_the_checked_view(therapist_web, client_user, client):
    upload = SimpleUploadedFile("handout.pdf", b"%PDF-1.4 handout", content_type="application/pdf")
    therapist_web.post(NEW, form_data(kind="reading", file=upload, **{"steps-TOTAL_FORMS": "0"}))
    resource = Resource.objects.get()
    r = therapist_web.get(reverse("resources:resource_file", args=[resource.pk]))
    assert r.status_code == 200 and b"".join(r.streaming_content) == b"%PDF-1.4 handout"
    assert r["Content-Security-Policy"] == "sandbox" and "no-store" in r["Cache-Control"]
    client.force_login(client_user)
    assert client.get(reverse("resources:resource_file", args=[resource.pk])).status_code == 404


def test_a_file_of_another_type_is_refused(therapist_web):
    upload = SimpleUploadedFile("page.html", b"<script>x</script>", content_type="text/html")
    r = therapist_web.post(NEW, form_data(kind="reading", file=upload, **{"steps-TOTAL_FORMS": "0"}))
    assert r.status_code == 400 and not Resource.objects.exists()


def test_a_resource_without_a_file_has_no_file_page(therapist_web, reading):
    assert therapist_web.get(reverse("resources:resource_file", args=[reading.pk])).status_code == 404


def test_the_detail_page_shows_the_stages_and_what_not_to_do_yet(therapist_web, sensate):
    body = therapist_web.get(reverse("resources:resource", args=[sensate.pk])).content.decode()
    assert "Do part 2." in body and "Not more." in body


def test_an_admin_may_use_the_library(client, admin_user, reading):
    client.force_login(admin_user)
    assert client.get(LIBRARY).status_code == 200
    assert client.get(reverse("resources:resource_edit", args=[reading.pk])).status_code == 200


@pytest.mark.parametrize("who", ["staff_user", "client_user"])
def test_staff_and_clients_get_404(client, request, who, reading):
    client.force_login(request.getfixturevalue(who))
    for url in (LIBRARY, NEW, reverse("resources:resource", args=[reading.pk])):
        assert client.get(url).status_code == 404
    assert client.post(NEW, form_data()).status_code == 404
    assert Resource.objects.count() == 1


def test_anonymous_is_sent_to_sign_in(client, reading):
    for url in (LIBRARY, NEW, reverse("resources:resource", args=[reading.pk])):
        r = client.get(url)
        assert r.status_code == 302 and r.url.startswith("/accounts/login/")


def test_wrong_methods_are_refused(therapist_web, reading):
    assert therapist_web.post(LIBRARY).status_code == 405
    assert therapist_web.put(NEW).status_code == 405
    assert therapist_web.post(reverse("resources:resource", args=[reading.pk])).status_code == 405
    assert therapist_web.post(reverse("resources:resource_file", args=[reading.pk])).status_code == 405
