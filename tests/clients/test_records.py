"""The therapist's client list, client page, create and edit; staff's contact view."""

import pytest
from django.urls import reverse

from clients.models import Client, Concern, Goal, Member, Note
from practice.models import AuditAction, AuditEvent
from tests.factories import ClientFactory, MemberFactory, TherapistFactory, give_totp, whole_record

MARKER = "MARKER-premature-ejaculation-5521"


def member_data(prefix, first="Ada", last="Lovelace", **extra):
    data = {
        f"{prefix}-first_name": first,
        f"{prefix}-last_name": last,
        f"{prefix}-time_zone": "Europe/London",
        f"{prefix}-contact_by_email": "on",
        f"{prefix}-email": f"{first.lower()}@example.net",
    }
    data.update({f"{prefix}-{k}": v for k, v in extra.items()})
    return data


# --- list -----------------------------------------------------------------------------------------


def test_the_list_comes_in_pages_of_fifty_keeping_the_filters(client, alice):
    units = [ClientFactory(primary_therapist=alice, status="active") for _ in range(53)]
    units.sort(key=lambda unit: unit.reference)
    client.force_login(alice.user)
    first = client.get(reverse("clients:list"), {"status": "active"}).content.decode()
    assert all(u.reference in first for u in units[:50]) and not any(u.reference in first for u in units[50:])
    assert "Page 1 of 2" in first and "?status=active&amp;page=2" in first
    second = client.get(reverse("clients:list"), {"status": "active", "page": 2}).content.decode()
    assert all(u.reference in second for u in units[50:]) and units[0].reference not in second
    assert "?status=active&amp;page=1" in second and units[50].members.get().full_name in second
    # A hand-edited page number shows a page, never an error.
    assert "Page 1 of 2" in client.get(reverse("clients:list"), {"page": "abc"}).content.decode()
    assert "Page 2 of 2" in client.get(reverse("clients:list"), {"page": 999}).content.decode()


def test_list_shows_only_my_clients(client, alice, charlie, solo):
    theirs = ClientFactory(primary_therapist=charlie)
    client.force_login(alice.user)
    body = client.get(reverse("clients:list")).content.decode()
    assert solo.reference in body and theirs.reference not in body
    assert solo.members.get().full_name in body


def test_list_includes_units_where_i_am_co_therapist(client, alice, charlie):
    shared = ClientFactory(primary_therapist=charlie)
    shared.co_therapists.add(alice)
    client.force_login(alice.user)
    assert shared.reference in client.get(reverse("clients:list")).content.decode()


def test_a_unit_i_treat_twice_over_is_listed_once_in_reference_order(client, alice, charlie):
    """The units a therapist treats are a union of two reads (primary, co-therapist): a unit that is in
    both, as a data slip could make it, still comes once, in its place."""
    from clients import selectors

    mine = sorted([ClientFactory(primary_therapist=alice) for _ in range(3)], key=lambda u: u.reference)
    mine[1].co_therapists.add(alice)
    shared = ClientFactory(primary_therapist=charlie)
    shared.co_therapists.add(alice)
    expected = sorted([*mine, shared], key=lambda u: u.reference)
    page = selectors.client_list_page(number=1, per_page=50, therapist=alice)
    assert [u.pk for u in page] == [u.pk for u in expected] and page.paginator.count == 4
    client.force_login(alice.user)
    body = client.get(reverse("clients:list")).content.decode()
    assert body.count(f">{mine[1].reference}</a>") == 1


@pytest.mark.parametrize("query", ["ada", "ADA LOVE", "lovel", "Zoë", "zoe"])
def test_search_matches_name_prefixes_despite_encryption(client, alice, query):
    wanted = ClientFactory(primary_therapist=alice, with_members=False)
    MemberFactory(client=wanted, first_name="Ada", last_name="Lovelace", preferred_name="Zoë")
    other = ClientFactory(primary_therapist=alice)
    client.force_login(alice.user)
    body = client.get(reverse("clients:list"), {"q": query}).content.decode()
    assert wanted.reference in body and other.reference not in body


def test_search_by_reference_and_filters(client, alice, solo):
    paused = ClientFactory(primary_therapist=alice, status=Client.Status.PAUSED)
    paused.concerns.add(Concern.objects.get(slug="depression"))
    client.force_login(alice.user)
    assert paused.reference in client.get(reverse("clients:list"), {"q": paused.reference}).content.decode()
    by_status = client.get(reverse("clients:list"), {"status": "paused"}).content.decode()
    assert paused.reference in by_status and solo.reference not in by_status
    by_concern = client.get(reverse("clients:list"), {"concern": "depression"}).content.decode()
    assert paused.reference in by_concern and solo.reference not in by_concern
    assert "Intensive" in by_concern  # depression marks the unit for intensive therapy


def test_list_query_count_does_not_grow_with_the_caseload(client, alice, django_assert_num_queries):
    client.force_login(alice.user)
    url = reverse("clients:list")
    ClientFactory.create_batch(2, primary_therapist=alice)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        client.get(url, {"q": "robin"})
    for _ in range(10):
        c = ClientFactory(primary_therapist=alice, kind="couple")
        c.concerns.add(*Concern.objects.all()[:3])
    with django_assert_num_queries(len(small.captured_queries)):
        r = client.get(url, {"q": "robin"})
    assert r.content.decode().count("/clients/") >= 12


def test_staff_list_shows_every_unit_without_clinical_columns(client, staff_user, solo):
    solo.concerns.add(Concern.objects.get(slug="sexual-pain"))
    client.force_login(staff_user)
    body = client.get(reverse("clients:list")).content.decode()
    assert solo.reference in body and reverse("clients:contact", args=[solo.pk]) in body
    assert "Sexual pain" not in body and f'href="{reverse("clients:detail", args=[solo.pk])}"' not in body


def test_list_refuses_clients_anonymous_and_post(client, client_user, alice, db):
    assert client.get(reverse("clients:list")).url.startswith("/accounts/login/")
    client.force_login(client_user)
    assert client.get(reverse("clients:list")).status_code == 404
    client.force_login(alice.user)
    assert client.post(reverse("clients:list")).status_code == 405


# --- create ---------------------------------------------------------------------------------------


def test_create_an_individual(client, alice):
    client.force_login(alice.user)
    concern = Concern.objects.get(slug="arousal")
    data = {"kind": "individual", "status": "prospective", "concerns": [concern.pk], **member_data("m1")}
    r = client.post(reverse("clients:create"), data)
    created = Client.objects.get()
    assert r.status_code == 302 and r.url == reverse("clients:detail", args=[created.pk])
    assert (created.primary_therapist, created.kind, list(created.concerns.all())) == (alice, "individual", [concern])
    assert created.members.get().full_name == "Ada Lovelace"
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, target_type="clients.client").count() == 1


def test_create_a_couple_with_its_policy(client, alice):
    client.force_login(alice.user)
    data = {
        "kind": "couple",
        "status": "active",
        "confidentiality_policy": "no_secrets",
        **member_data("m1"),
        **member_data("m2", first="Grace", last="Hopper"),
    }
    client.post(reverse("clients:create"), data)
    created = Client.objects.get()
    assert [m.first_name for m in created.members.all()] == ["Ada", "Grace"]
    assert created.confidentiality_policy == "no_secrets"


def test_a_couple_without_a_second_partner_keeps_what_was_typed(client, alice):
    client.force_login(alice.user)
    data = {"kind": "couple", "status": "active", **member_data("m1", first=MARKER[:40], address="12 Quay Street")}
    r = client.post(reverse("clients:create"), data)
    assert r.status_code == 400
    body = r.content.decode()
    assert MARKER[:40] in body and "12 Quay Street" in body and "This field is required" in body
    assert not Client.objects.exists()


def test_an_individual_cannot_have_a_couples_policy(client, alice):
    client.force_login(alice.user)
    data = {"kind": "individual", "status": "active", "confidentiality_policy": "no_secrets", **member_data("m1")}
    r = client.post(reverse("clients:create"), data)
    assert r.status_code == 400 and "Only couples have a confidentiality policy" in r.content.decode()
    assert not Client.objects.exists()


def test_create_is_for_therapists(client, staff_user):
    client.force_login(staff_user)
    assert client.get(reverse("clients:create")).status_code == 404


# --- client page ----------------------------------------------------------------------------------


def test_client_page_shows_the_record_and_is_audited(client, alice, pair):
    Goal.objects.create(client=pair, text="Rebuild trust", created_by=alice)
    client.force_login(alice.user)
    r = client.get(reverse("clients:detail", args=[pair.pk]))
    body = r.content.decode()
    assert r.status_code == 200 and "Rebuild trust" in body and pair.reference in body
    assert "Limited secrets" in body and "not yet acknowledged" in body
    event = AuditEvent.objects.get(action=AuditAction.VIEW, target_type="clients.client")
    assert (event.actor, event.client_id) == (alice.user, pair.pk)


@pytest.mark.parametrize("outsider", ["charlie", "staff_user", "client_user"])
def test_client_page_is_404_for_outsiders(client, request, solo, outsider):
    person = request.getfixturevalue(outsider)
    client.force_login(getattr(person, "user", person))
    assert client.get(reverse("clients:detail", args=[solo.pk])).status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.VIEW).exists()


def test_client_page_refuses_post_and_anonymous(client, alice, solo):
    url = reverse("clients:detail", args=[solo.pk])
    assert client.get(url).url.startswith("/accounts/login/")
    client.force_login(alice.user)
    assert client.post(url).status_code == 405


def test_client_page_query_count_is_fixed(client, alice, pair, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(alice.user)
    url = reverse("clients:detail", args=[pair.pk])
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for i in range(8):
        Note.objects.create(client=pair, author=alice, body=f"note {i}")
        Goal.objects.create(client=pair, text=f"goal {i}", created_by=alice)
    with django_assert_num_queries(len(small.captured_queries)):
        client.get(url)


def test_other_therapists_psychotherapy_notes_are_not_listed(client, alice, charlie, pair):
    pair.co_therapists.add(charlie)
    Note.objects.create(client=pair, author=alice, kind=Note.Kind.PSYCHOTHERAPY, body="private")
    client.force_login(charlie.user)
    body = whole_record(client, pair)
    assert "Private psychotherapy note" not in body
    client.force_login(alice.user)
    assert "Private psychotherapy note" in whole_record(client, pair)  # the author sees it


# --- contact (staff) ------------------------------------------------------------------------------


def test_staff_see_contact_details_and_nothing_clinical(client, staff_user, alice, solo):
    member = solo.members.get()
    solo.concerns.add(Concern.objects.get(slug="orgasm"))
    Goal.objects.create(client=solo, text=MARKER, created_by=alice)
    client.force_login(staff_user)
    body = client.get(reverse("clients:contact", args=[solo.pk])).content.decode()
    assert member.email in body and member.full_name in body
    assert MARKER not in body and "Orgasm" not in body


# --- edit -----------------------------------------------------------------------------------------


def test_edit_changes_status_and_concerns_but_not_kind(client, alice, solo):
    client.force_login(alice.user)
    concern = Concern.objects.get(slug="intimacy")
    r = client.post(
        reverse("clients:edit", args=[solo.pk]), {"kind": "couple", "status": "paused", "concerns": [concern.pk]}
    )
    solo.refresh_from_db()
    assert r.status_code == 302
    assert (solo.kind, solo.status, list(solo.concerns.all())) == ("individual", "paused", [concern])


def test_edit_is_404_for_another_therapist(client, charlie, solo):
    client.force_login(charlie.user)
    r = client.post(reverse("clients:edit", args=[solo.pk]), {"status": "discharged"})
    solo.refresh_from_db()
    assert r.status_code == 404 and solo.status == "active"


def test_member_edit_updates_details_and_search(client, alice, solo):
    member = solo.members.get()
    client.force_login(alice.user)
    data = {"first_name": "Marguerite", "last_name": "Duras", "time_zone": "America/Toronto", "email": "m@example.net"}
    r = client.post(reverse("clients:member_edit", args=[solo.pk, member.pk]), data)
    assert r.status_code == 302
    member.refresh_from_db()
    assert (member.full_name, member.time_zone) == ("Marguerite Duras", "America/Toronto")
    assert solo.reference in client.get(reverse("clients:list"), {"q": "marg"}).content.decode()


def test_member_edit_of_another_units_member_is_404(client, alice, solo):
    stranger = ClientFactory(primary_therapist=TherapistFactory()).members.get()
    client.force_login(alice.user)
    assert client.get(reverse("clients:member_edit", args=[solo.pk, stranger.pk])).status_code == 404


def test_member_edit_keeps_input_on_error(client, alice, solo):
    member = solo.members.get()
    client.force_login(alice.user)
    data = {"first_name": "Kept", "last_name": "", "time_zone": "Europe/London", "email": "not-an-email"}
    r = client.post(reverse("clients:member_edit", args=[solo.pk, member.pk]), data)
    assert r.status_code == 400 and 'value="Kept"' in r.content.decode()
    assert Member.objects.get(pk=member.pk).first_name != "Kept"


# --- invitations ----------------------------------------------------------------------------------


def test_invite_sends_a_discreet_email_with_a_link(client, alice, solo, mailoutbox, deliver):
    member = solo.members.get()
    client.force_login(alice.user)
    r = client.post(reverse("clients:member_invite", args=[solo.pk, member.pk]))
    assert r.status_code == 302 and not mailoutbox  # queued in the outbox, sent by the worker
    deliver()
    member.refresh_from_db()
    assert member.user.role == "client" and not member.user.has_usable_password() and member.invited_at
    (mail,) = mailoutbox
    assert mail.to == [member.email] and "/invitation/" in mail.body
    assert member.first_name not in mail.subject and "therap" not in mail.subject.lower()


def test_invite_without_email_says_why(client, alice, solo, mailoutbox):
    member = solo.members.get()
    Member.objects.filter(pk=member.pk).update(email="")
    client.force_login(alice.user)
    r = client.post(reverse("clients:member_invite", args=[solo.pk, member.pk]), follow=True)
    assert "Add an email address" in r.content.decode() and not mailoutbox


def test_invite_refuses_get_and_outsiders(client, alice, charlie, solo):
    member = solo.members.get()
    url = reverse("clients:member_invite", args=[solo.pk, member.pk])
    client.force_login(alice.user)
    assert client.get(url).status_code == 405
    client.force_login(charlie.user)
    assert client.post(url).status_code == 404


def test_totp_gate_applies_to_client_pages(client, solo):
    bare = TherapistFactory()
    solo.co_therapists.add(bare)
    client.force_login(bare.user)
    assert client.get(reverse("clients:detail", args=[solo.pk])).url == "/accounts/2fa/totp/activate/"
    give_totp(bare.user)
    assert client.get(reverse("clients:detail", args=[solo.pk])).status_code == 200
