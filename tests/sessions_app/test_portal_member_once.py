"""The portal reads the signed-in member once per request: the time-zone middleware loads it with its
unit and therapist (clients.access.load_viewer_member), and the portal's access function reuses it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clients.access import get_portal_member
from clients.models import Member
from tests.sessions_app.test_booking import me, open_booking, web, workweek  # noqa: F401  (fixtures)

MEMBER_TABLE = Member._meta.db_table


@pytest.mark.parametrize("page", ["portal:book", "portal:home"])
def test_a_portal_page_reads_the_member_once(web, me, page):  # noqa: F811
    web.get(reverse(page))  # warm: session, MFA state
    with CaptureQueriesContext(connection) as captured:
        response = web.get(reverse(page))
    assert response.status_code == 200
    # The member row is read once (its unit and therapist joined in); couples' partner lists may
    # read other members, so only reads of the signed-in member by its user count.
    own = [q for q in captured.captured_queries if f'FROM "{MEMBER_TABLE}"' in q["sql"] and '"user_id" =' in q["sql"]]
    assert len(own) == 1, [q["sql"][:120] for q in own]


def test_outside_a_request_the_member_is_read_here(me):  # noqa: F811
    user = type(me.user).objects.get(pk=me.user.pk)
    with CaptureQueriesContext(connection) as captured:
        member = get_portal_member(user)
        therapist = member.client.primary_therapist
    assert member.pk == me.pk and therapist is not None
    assert len(captured.captured_queries) == 1


def test_a_client_user_without_a_member_gets_404(client, db):
    from django.http import Http404

    from clients.access import load_viewer_member
    from tests.factories import UserFactory

    user = UserFactory(role="client")
    assert load_viewer_member(user) is None
    with pytest.raises(Http404):
        get_portal_member(user)
