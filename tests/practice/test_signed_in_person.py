"""The signed-in person is read once per request, with the therapist's profile and whether they
have an authenticator app (practice.auth_backends), and the second-factor gate still sees a change
at the very next request."""

import pytest
from allauth.mfa.models import Authenticator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from practice.auth_backends import AuthenticationBackend, ModelBackend
from practice.models import User

pytestmark = pytest.mark.django_db


def _reads(queries, table: str) -> list[str]:
    return [q["sql"] for q in queries if f'"{table}"' in q["sql"] and q["sql"].lstrip().upper().startswith("SELECT")]


def test_a_therapist_page_reads_the_person_profile_and_authenticator_in_one_query(client, alice):
    client.force_login(alice.user)
    client.get("/dashboard/")
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/dashboard/")
    assert response.status_code == 200
    users = _reads(captured.captured_queries, "practice_user")
    person = [sql for sql in users if '"practice_user"."password"' in sql]
    assert len(person) == 1, users
    assert '"practice_therapist"' in person[0] and '"mfa_authenticator"' in person[0]
    # No separate read of the same therapist's profile or of the authenticator for the gate.
    alone = [sql for sql in _reads(captured.captured_queries, "mfa_authenticator") if sql not in person]
    assert alone == []
    profile = [
        sql
        for sql in _reads(captured.captured_queries, "practice_therapist")
        if sql not in person and f'"practice_therapist"."user_id" = {alice.user_id}' in sql.replace("%s", "")
    ]
    assert profile == []


def test_removing_the_authenticator_gates_the_very_next_request(client, alice):
    client.force_login(alice.user)
    assert client.get("/dashboard/").status_code == 200
    Authenticator.objects.filter(user=alice.user).delete()
    response = client.get("/dashboard/")
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/totp/activate/"


def test_adding_one_opens_the_pages_at_the_next_request(client, bare_therapist):
    from tests.factories import give_totp

    client.force_login(bare_therapist.user)
    assert client.get("/dashboard/")["Location"] == "/accounts/2fa/totp/activate/"
    give_totp(bare_therapist.user)
    assert client.get("/dashboard/").status_code == 200


def test_a_portal_client_is_read_without_a_profile_and_needs_no_authenticator(client_user):
    person = ModelBackend().get_user(client_user.pk)
    assert person == client_user and person.has_totp is False
    assert getattr(person, "therapist", None) is None


@pytest.mark.parametrize("backend", [ModelBackend, AuthenticationBackend])
def test_both_backends_refuse_an_inactive_or_unknown_account(backend, alice):
    assert backend().get_user(alice.user_id).therapist == alice
    User.objects.filter(pk=alice.user_id).update(is_active=False)
    assert backend().get_user(alice.user_id) is None
    assert backend().get_user(10**9) is None
