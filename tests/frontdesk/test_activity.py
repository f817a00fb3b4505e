"""The practice owner's activity page: who opened, changed or exported which record and when, in
words; filterable; names only for a viewer who treats the client; everyone else gets 404."""

import pytest
from django.urls import reverse

from clients.models import Note
from outbox import services as outbox
from practice.audit import audit_record
from practice.models import AuditAction
from tests.factories import ClientFactory, TherapistFactory, UserFactory, give_totp, portal_user_for

URL = reverse("activity:list")


@pytest.fixture
def owner(db):
    """A therapist who runs the practice (and treats clients of her own)."""
    therapist = TherapistFactory(user__email="olive@example.org", display_name="Olive Owner", user__practice_owner=True)
    give_totp(therapist.user)
    return therapist


@pytest.fixture
def trail(alice, owner):
    """Alice reads and exports her client's record; the owner's own client signs in to the portal."""
    alices = ClientFactory(primary_therapist=alice)
    owners = ClientFactory(primary_therapist=owner)
    note = Note.objects.create(client=alices, author=alice, body="ACTIVITY-secret-note")
    audit_record(actor=alice.user, action=AuditAction.VIEW, target=note)
    audit_record(actor=alice.user, action=AuditAction.EXPORT, target=alices)
    own_member = owners.members.get()
    audit_record(actor=portal_user_for(own_member), action=AuditAction.VIEW, target=owners)
    alices_member = alices.members.get()
    audit_record(actor=portal_user_for(alices_member), action=AuditAction.VIEW, target=alices)
    return {"alices": alices, "owners": owners, "alices_member": alices_member, "own_member": own_member}


def rows(body: str) -> str:
    """The table's rows only (the filters' options name every action and person)."""
    return body.split("<tbody>")[1].split("</tbody>")[0]


def page(web, user, url=URL, **params):
    web.force_login(user)
    return web.get(url, params)


def test_the_owner_sees_who_did_what_to_which_record_in_words(client, owner, alice, trail):
    r = page(client, owner.user)
    assert r.status_code == 200
    body = r.content.decode()
    assert f"{alice.display_name} (therapist)" in body
    assert "Exported" in body and "Viewed" in body and "Record" in body
    assert f"Note {Note.objects.get().pk}" in body
    assert trail["alices"].reference in body
    assert "User " not in body and "clients.client" not in body
    assert "ACTIVITY-secret-note" not in body


def test_client_names_show_only_for_clients_the_viewer_treats(client, owner, trail):
    body = page(client, owner.user).content.decode()
    own, alices = trail["own_member"], trail["alices_member"]
    assert f"{own.display_name}, client {trail['owners'].reference}" in body
    assert f"({own.display_name})" in body
    assert alices.first_name not in body and alices.last_name not in body
    assert f"A client of {trail['alices'].reference}" in body


def test_an_admin_sees_the_page_with_references_only(client, admin_user, trail):
    body = page(client, admin_user).content.decode()
    assert trail["alices"].reference in body and trail["owners"].reference in body
    assert trail["own_member"].first_name not in body and trail["alices_member"].first_name not in body


def test_filters_by_person_client_and_action(client, owner, alice, trail):
    alices = trail["alices"].reference
    by_alice = rows(page(client, owner.user, person=alice.user.pk).content.decode())
    assert "Exported" in by_alice and "A client of" not in by_alice
    exports = rows(page(client, owner.user, action="export").content.decode())
    assert "Exported" in exports and "Viewed" not in exports
    only_owners = rows(page(client, owner.user, client=trail["owners"].reference.lower()).content.decode())
    assert trail["owners"].reference in only_owners and alices not in only_owners
    clients_only = page(client, owner.user, person="clients").content.decode()
    assert "(therapist)" not in rows(clients_only) and "A client of" in rows(clients_only)


def test_one_clients_activity_has_its_own_page(client, owner, trail):
    r = page(client, owner.user, reverse("activity:client", args=[trail["alices"].pk]))
    assert r.status_code == 200
    body = r.content.decode()
    assert f"Activity on {trail['alices'].reference}" in body and trail["owners"].reference not in rows(body)


def test_an_unknown_reference_is_a_clear_message_keeping_the_filters(client, owner, trail):
    r = page(client, owner.user, client="C-ZZZZZZ", action="export")
    assert r.status_code == 400
    body = r.content.decode()
    assert "No client has the reference C-ZZZZZZ" in body and 'value="C-ZZZZZZ"' in body
    assert '<option value="export" selected>' in body


def test_a_bad_page_number_is_not_an_error(client, owner, trail):
    assert page(client, owner.user, page="999").status_code == 200
    assert page(client, owner.user, page="x").status_code == 200


@pytest.mark.parametrize("who", ["alice", "staff_user", "client_user"])
def test_everyone_else_gets_404(client, request, trail, who):
    person = request.getfixturevalue(who)
    user = getattr(person, "user", person)
    assert page(client, user).status_code == 404
    assert page(client, user, reverse("activity:client", args=[trail["alices"].pk])).status_code == 404


def test_an_owner_flag_on_staff_is_not_enough(client, db):
    staff = UserFactory(email="s@example.org", role="staff", practice_owner=True)
    give_totp(staff)
    assert page(client, staff).status_code == 404


def test_anonymous_is_sent_to_sign_in(client):
    r = client.get(URL)
    assert r.status_code == 302 and r.url.startswith("/accounts/login/")


def test_other_methods_are_refused(client, owner):
    client.force_login(owner.user)
    assert client.post(URL).status_code == 405


def test_the_navigation_links_to_it_for_the_owner_only(client, owner, alice):
    assert URL in page(client, owner.user, reverse("dashboard")).content.decode()
    assert URL not in page(client, alice.user, reverse("dashboard")).content.decode()


def _more(alice, n):
    for _ in range(n):
        unit = ClientFactory(primary_therapist=alice)
        audit_record(actor=alice.user, action=AuditAction.VIEW, target=unit)
        audit_record(actor=portal_user_for(unit.members.get()), action=AuditAction.VIEW, target=unit)


def test_the_query_count_is_fixed_whatever_the_page_holds(client, owner, alice, trail, django_assert_num_queries):
    client.force_login(owner.user)
    client.get(URL)

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL).status_code == 200
        return len(captured)

    few = count()
    _more(alice, 30)  # 60 rows more: past one page of 50
    assert count() == few
    with django_assert_num_queries(few):
        assert client.get(URL, {"page": 2}).status_code == 200


def test_the_outbox_names_the_kind_and_the_recipient_in_words(client, staff_user, alice, trail):
    member = trail["alices_member"]
    outbox.notification_enqueue(
        kind="appointment_reminder", key="w:1", target=member, member=member, reference=trail["alices"].reference
    )
    outbox.notification_enqueue(kind="caseload_changed", key="w:2", target=alice.user, user=alice.user)
    outbox.notification_enqueue(kind="some_new_kind", key="w:3", target=alice.user, address="x@example.net")
    body = page(client, staff_user, reverse("outbox")).content.decode()
    assert "Session reminder" in body and f"A client of {trail['alices'].reference}" in body
    assert "Caseload change (to a therapist)" in body and f"Therapist {alice.display_name}" in body
    assert "Some new kind" in body and "An outside address" in body
    assert member.first_name not in body and "x@example.net" not in body
