"""Every change made through the Django admin leaves an audit row (ids only), and the edits that would
hand over a caseload, an account or a second factor are not plain admin edits."""

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.core import mail
from django.test import Client as Browser
from django.urls import reverse

from clients.models import Client, Concern
from outbox.models import Notification
from practice.models import AuditEvent


def rows(**filters) -> list[tuple]:
    return list(AuditEvent.objects.filter(**filters).values_list("action", "target_type", "target_id", "actor_id"))


@pytest.fixture
def web(client, admin_user):
    client.force_login(admin_user)
    return client


def test_a_save_through_the_admin_is_audited(web, admin_user):
    concern = Concern.objects.first()
    url = reverse("admin:clients_concern_change", args=[concern.pk])
    data = {"name": concern.name, "slug": concern.slug, "group": concern.group, "order": 5, "intensive": ""}
    r = web.post(url, data)
    assert r.status_code == 302
    assert rows(target_type="clients.concern") == [("update", "clients.concern", str(concern.pk), admin_user.pk)]


def test_an_addition_and_a_deletion_through_the_admin_are_audited(web, admin_user):
    r = web.post(reverse("admin:sessions_app_room_add"), {"name": "Room 9", "location": "", "active": "on"})
    assert r.status_code == 302
    room_id = AuditEvent.objects.get(action="create", target_type="sessions_app.room").target_id
    r = web.post(reverse("admin:sessions_app_room_delete", args=[room_id]), {"post": "yes"})
    assert r.status_code == 302
    assert ("delete", "sessions_app.room", room_id, admin_user.pk) in rows(target_type="sessions_app.room")


def test_each_admin_action_is_audited_per_object(web, admin_user, alice):
    web.post(reverse("admin:practice_user_changelist"), {"action": "deactivate", "_selected_action": [alice.user.pk]})
    assert ("admin_action", "practice.user", str(alice.user.pk), admin_user.pk) in rows(action="admin_action")


def test_every_registered_admin_has_its_actions_audited():
    from practice.admin_support import AuditedActionsMixin

    assert all(isinstance(model_admin, AuditedActionsMixin) for model_admin in admin.site._registry.values())


def test_therapists_cannot_be_reassigned_by_a_plain_edit(web, pair, charlie):
    page = web.get(reverse("admin:clients_client_change", args=[pair.pk])).content.decode()
    assert 'name="primary_therapist"' not in page and 'name="co_therapists"' not in page
    assert reverse("admin:clients_client_therapists", args=[pair.pk]) in page
    data = {"status": pair.status, "primary_therapist": charlie.pk, "co_therapists": [charlie.pk]}
    web.post(reverse("admin:clients_client_change", args=[pair.pk]), data)
    pair.refresh_from_db()
    assert pair.primary_therapist != charlie and not pair.co_therapists.exists()


def test_reassignment_goes_through_the_service_and_tells_both_therapists(web, admin_user, alice, pair, charlie):
    url = reverse("admin:clients_client_therapists", args=[pair.pk])
    r = web.post(url, {"primary": charlie.pk})
    assert r.status_code == 302
    pair.refresh_from_db()
    assert pair.primary_therapist == charlie
    told = Notification.objects.filter(kind="caseload_changed")
    assert {(n.user_id, n.context["gained"]) for n in told} == {(charlie.user_id, True), (alice.user_id, False)}
    assert all(n.reference == pair.reference for n in told)
    assert ("update", "clients.client", str(pair.pk), admin_user.pk) in rows(target_type="clients.client")


def test_the_caseload_message_carries_the_reference_only(web, alice, pair, charlie, deliver):
    web.post(reverse("admin:clients_client_therapists", args=[pair.pk]), {"primary": charlie.pk, "co_therapists": []})
    deliver()
    sent = {m.to[0]: m for m in mail.outbox}
    assert set(sent) == {charlie.user.email, alice.user.email}
    assert "assigned to you" in sent[charlie.user.email].subject
    assert "no longer assigned" in sent[alice.user.email].subject
    for message in sent.values():
        assert pair.reference in message.subject
        for member in pair.members.all():
            assert member.first_name not in message.subject + message.body


def test_a_bad_reassignment_keeps_the_form_and_changes_nothing(web, alice, pair):
    r = web.post(reverse("admin:clients_client_therapists", args=[pair.pk]), {"primary": 999999})
    assert r.status_code == 400
    assert Client.objects.get(pk=pair.pk).primary_therapist == alice


def test_a_therapist_profile_cannot_be_repointed(web, alice, client_user):
    url = reverse("admin:practice_therapist_change", args=[alice.pk])
    assert 'name="user"' not in web.get(url).content.decode()
    data = {"user": client_user.pk, "display_name": alice.display_name, "time_zone": alice.time_zone}
    web.post(url, data)
    alice.refresh_from_db()
    assert alice.user_id != client_user.pk


def test_an_admin_cannot_set_another_persons_password(web, alice):
    url = reverse("admin:auth_user_password_change", args=[alice.user.pk])
    r = web.post(url, {"password1": "x-new-password-1", "password2": "x-new-password-1"})
    assert r.status_code == 403
    alice.user.refresh_from_db()
    assert not alice.user.check_password("x-new-password-1")


def test_a_reset_link_never_goes_to_an_address_added_but_not_verified(web, alice):
    EmailAddress.objects.create(user=alice.user, email="added@example.org", primary=False, verified=False)
    url = reverse("admin:practice_user_changelist")
    web.post(url, {"action": "send_password_reset", "_selected_action": [alice.user.pk]})
    assert [m.to for m in mail.outbox] == [["alice@example.org"]]
    assert ("admin_action", "practice.user", str(alice.user.pk)) in {r[:3] for r in rows(action="admin_action")}


def test_a_second_factor_is_removed_only_by_the_audited_action_that_signs_out(web, admin_user, alice):
    authenticator = Authenticator.objects.filter(user=alice.user).first()
    assert authenticator is not None
    r = web.post(reverse("admin:mfa_authenticator_delete", args=[authenticator.pk]), {"post": "yes"})
    assert r.status_code == 403 and Authenticator.objects.filter(pk=authenticator.pk).exists()

    signed_in = Browser()
    signed_in.force_login(alice.user)
    web.post(
        reverse("admin:practice_user_changelist"),
        {"action": "remove_second_factor", "_selected_action": [alice.user.pk]},
    )
    assert not Authenticator.objects.filter(user=alice.user).exists()
    assert ("mfa_disabled", "mfa.authenticator", str(authenticator.pk), admin_user.pk) in rows(action="mfa_disabled")
    assert signed_in.get(reverse("dashboard")).status_code == 302
