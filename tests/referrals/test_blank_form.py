"""The public form's blank fields are drawn once per process for each language and set of choices
(referrals.views.public.blank_form_key, the "fragments" cache): what a referrer sees is the same as
drawing them every time, a change to a concern or a therapist shows on the next visit, and nothing a
referrer typed is ever kept for the next one."""

import re

from django.test import Client as Browser

from clients.models import Concern
from practice.models import Therapist
from tests.factories import TherapistFactory
from tests.referrals.conftest import PERSON_MARKERS, form_data

URL = "/refer/"
FIELD_TEMPLATE = "bootstrap5/field.html"  # crispy's, drawn once for each field


def _page(browser):
    response = browser.get(URL)
    assert response.status_code == 200
    return response


def _without_token(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def _fields_drawn(response) -> int:
    return sum(t.name == FIELD_TEMPLATE for t in response.templates)


def test_the_second_visit_shows_the_same_form_without_drawing_its_fields_again(client, db):
    TherapistFactory(display_name="Dr Iris Vale", accepts_new_clients=True)
    first = _page(client)
    second = _page(Browser())
    assert _fields_drawn(first) >= 15 and _fields_drawn(second) == 0
    assert _without_token(second.content.decode()) == _without_token(first.content.decode())
    assert "Dr Iris Vale" in second.content.decode()
    # Each visitor still gets their own token (it is outside the kept part).
    token = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
    assert token.search(first.content.decode()) and token.search(second.content.decode())


def test_a_concern_added_or_renamed_shows_on_the_next_visit(client, db):
    _page(client)
    concern = Concern.objects.create(slug="test-new", name="Sexual pain after childbirth", group="pain", order=99)
    assert "Sexual pain after childbirth" in _page(client).content.decode()
    concern.name = "Pain after childbirth (renamed)"
    concern.save()
    body = _page(client).content.decode()
    assert "Pain after childbirth (renamed)" in body and "Sexual pain after childbirth" not in body
    concern.delete()
    assert "Pain after childbirth" not in _page(client).content.decode()


def test_a_therapist_who_stops_taking_new_clients_leaves_the_list_on_the_next_visit(client, db):
    therapist = TherapistFactory(display_name="Dr Iris Vale", accepts_new_clients=True)
    assert "Dr Iris Vale" in _page(client).content.decode()
    Therapist.objects.filter(pk=therapist.pk).update(accepts_new_clients=False)  # a bulk change, no signal
    assert "Dr Iris Vale" not in _page(client).content.decode()
    Therapist.objects.filter(pk=therapist.pk).update(accepts_new_clients=True, display_name="Dr Iris Vale-Ng")
    assert "Dr Iris Vale-Ng" in _page(client).content.decode()


def test_what_one_referrer_typed_is_never_shown_to_the_next(client, db):
    _page(client)  # the blank fields kept
    refused = client.post(URL, form_data(consent=""))  # invalid: the consent is missing
    body = refused.content.decode()
    assert refused.status_code == 400 and _fields_drawn(refused) >= 15  # a bound form is drawn every time
    assert PERSON_MARKERS["first_name"] in body and PERSON_MARKERS["reason"] in body  # nothing typed is lost
    assert "Please confirm that the person agreed to be referred." in body
    for browser in (client, Browser()):
        later = _page(browser).content.decode()
        assert all(value not in later for value in PERSON_MARKERS.values())
        assert "Please confirm that the person agreed" not in later


def test_each_language_has_its_own_kept_form(client, db):
    british = _page(Browser(HTTP_ACCEPT_LANGUAGE="en-gb"))
    american = _page(Browser(HTTP_ACCEPT_LANGUAGE="en-us"))
    assert _fields_drawn(british) >= 15 and _fields_drawn(american) >= 15  # neither is the other's
    assert _fields_drawn(_page(Browser(HTTP_ACCEPT_LANGUAGE="en-us"))) == 0
