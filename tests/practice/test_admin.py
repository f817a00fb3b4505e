"""The Django admin: every model reachable, no confidential text in lists, search or forms; actions."""

import pytest
from django.contrib import admin
from django.test import Client as Browser
from django.urls import reverse

from clients.models import Addendum, Goal, IntakeResponse, Note
from outbox.models import Notification
from practice.fields import encrypted_fields
from tests.factories import PASSWORD, couple

MARKER = "ZQXADMINMARKER"


@pytest.fixture
def records(alice):
    unit = couple(alice)
    member = unit.members.first()
    member.first_name = MARKER
    member.save(update_fields=["first_name"])
    note = Note.objects.create(client=unit, author=alice, body=MARKER)
    Addendum.objects.create(note=note, author=alice, body=MARKER)
    Goal.objects.create(client=unit, text=MARKER, created_by=alice)
    IntakeResponse.objects.create(member=member, hopes=MARKER)
    return unit


def admin_urls():
    for model, _model_admin in admin.site._registry.items():
        yield model, reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def test_every_model_list_and_record_page_opens_without_confidential_text(client, admin_user, records):
    client.force_login(admin_user)
    for model, url in admin_urls():
        r = client.get(url)
        assert r.status_code == 200, url
        assert MARKER not in r.content.decode(), url
        first = model._default_manager.first()
        if first is not None:
            page = client.get(
                reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[first.pk])
            )
            assert page.status_code == 200 and MARKER not in page.content.decode(), model


def test_no_admin_searches_or_lists_an_encrypted_field():
    for model, model_admin in admin.site._registry.items():
        secret = {f.name for f in encrypted_fields(model)}
        searched = {name.lstrip("^=@").split("__")[0] for name in model_admin.search_fields}
        listed = set(model_admin.list_display)
        assert not (searched | listed) & secret, model


def test_deactivating_a_user_ends_their_sessions(client, admin_user, alice):
    other_browser = Browser()
    other_browser.force_login(alice.user)
    assert other_browser.get(reverse("dashboard")).status_code == 200
    client.force_login(admin_user)
    url = reverse("admin:practice_user_changelist")
    client.post(url, {"action": "deactivate", "_selected_action": [alice.user.pk]})
    alice.user.refresh_from_db()
    assert not alice.user.is_active
    assert other_browser.get(reverse("dashboard")).status_code == 302  # signed out


def test_resending_a_portal_invitation_from_the_admin(client, admin_user, records):
    client.force_login(admin_user)
    member = records.members.first()
    url = reverse("admin:clients_member_changelist")
    client.post(url, {"action": "resend_invitation", "_selected_action": [member.pk]})
    assert Notification.objects.filter(kind="portal_invitation", member=member).count() == 1


def test_the_admin_refuses_client_accounts(client, client_user):
    client.post("/accounts/login/", {"login": client_user.email, "password": PASSWORD})
    assert client.get("/admin/", follow=True).status_code == 403


def test_no_admin_list_reads_an_optional_key_row_by_row():
    """An optional foreign key shown in a list is joined (list_select_related): Django's automatic
    join follows only required keys, and the audit list read each row's actor by itself at size L."""
    from django.contrib import admin as django_admin
    from django.db import models

    missing = []
    for model, model_admin in django_admin.site._registry.items():
        joined = model_admin.list_select_related
        for name in model_admin.list_display:
            fields = model._meta.get_fields() if isinstance(name, str) else []
            field = next((f for f in fields if f.name == name), None)
            if isinstance(field, models.ForeignKey) and field.null and not (joined is True or name in (joined or [])):
                missing.append(f"{model._meta.label}.{name}")
    assert missing == []
