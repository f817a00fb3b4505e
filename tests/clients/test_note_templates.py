"""Note templates: the starter SOAP, DAP, BIRP and free note; chosen when writing (with and without a
script); the practice's own added in the app (by their author) and in the admin."""

import pytest
from django.urls import reverse

from clients.models import Note, NoteTemplate
from practice.models import AuditAction, AuditEvent


def test_the_starter_templates_are_there_in_order(db):
    names = list(NoteTemplate.objects.filter(created_by=None).values_list("name", flat=True))
    assert names == ["SOAP", "DAP", "BIRP", "Free note"]
    soap = NoteTemplate.objects.get(name="SOAP")
    assert [line for line in soap.body.splitlines() if line] == ["Subjective:", "Objective:", "Assessment:", "Plan:"]
    assert NoteTemplate.objects.get(name="BIRP").body.startswith("Behaviour:")
    assert NoteTemplate.objects.get(name="Free note").body == ""


def test_the_new_note_page_offers_every_active_template(client, alice, solo):
    NoteTemplate.objects.filter(name="DAP").update(active=False)
    client.force_login(alice.user)
    body = client.get(reverse("clients:note_create", args=[solo.pk])).content.decode()
    assert 'id="id_template_choice"' in body and 'for="id_template_choice"' in body
    assert ">SOAP</option>" in body and ">BIRP</option>" in body and ">DAP</option>" not in body
    assert 'data-body="Subjective:' in body  # for static/js/note_templates.js


def test_choosing_a_template_without_a_script_fills_the_text_box(client, alice, solo):
    soap = NoteTemplate.objects.get(name="SOAP")
    client.force_login(alice.user)
    r = client.get(reverse("clients:note_create", args=[solo.pk]), {"template": soap.pk})
    form = r.context["form"]
    assert form.initial["body"] == soap.body and form.initial["template"] == soap
    assert f'name="template" value="{soap.pk}"' in r.content.decode()


@pytest.mark.parametrize("value", ["abc", "999999", "-1"])
def test_an_unknown_template_gives_the_empty_page(client, alice, solo, value):
    client.force_login(alice.user)
    r = client.get(reverse("clients:note_create", args=[solo.pk]), {"template": value})
    assert r.status_code == 200 and "body" not in r.context["form"].initial


def test_the_note_records_the_template_it_started_from(client, alice, solo):
    soap = NoteTemplate.objects.get(name="SOAP")
    client.force_login(alice.user)
    data = {"kind": "progress", "template": soap.pk, "session_date": "2026-03-02", "body": soap.body + "Calm."}
    r = client.post(reverse("clients:note_create", args=[solo.pk]), data)
    note = Note.objects.get(client=solo)
    assert r.status_code == 302 and note.template == soap and note.body.endswith("Calm.")


def test_a_therapist_adds_a_template_and_edits_it(client, alice):
    client.force_login(alice.user)
    data = {"name": "Sensate focus review", "note_kind": "progress", "body": "Stage:\n\nWhat changed:\n", "position": 5}
    r = client.post(reverse("clients:note_template_create"), {**data, "active": "on"})
    template = NoteTemplate.objects.get(name="Sensate focus review")
    assert r.status_code == 302 and template.created_by == alice and template.active
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, target_id=str(template.pk)).exists()
    listing = client.get(reverse("clients:note_templates")).content.decode()
    heading = '<h2 class="h6 mb-1">'
    assert listing.index(heading + "Sensate focus review") < listing.index(heading + "SOAP")  # 5 before 10
    r = client.post(reverse("clients:note_template_edit", args=[template.pk]), {**data, "name": "Stage review"})
    template.refresh_from_db()
    assert r.status_code == 302 and template.name == "Stage review" and not template.active


def test_bad_input_is_refused_with_what_was_typed(client, alice):
    client.force_login(alice.user)
    r = client.post(reverse("clients:note_template_create"), {"name": "SOAP", "body": "Mine", "position": "x"})
    assert r.status_code == 400
    assert r.context["form"].errors.keys() >= {"name", "position"}
    assert "Mine" in r.content.decode() and NoteTemplate.objects.filter(body="Mine").count() == 0


def test_another_therapist_and_the_starter_templates_are_404(client, alice, charlie):
    own = NoteTemplate.objects.create(name="Alice's", created_by=alice)
    client.force_login(charlie.user)
    assert client.get(reverse("clients:note_template_edit", args=[own.pk])).status_code == 404
    client.force_login(alice.user)
    soap = NoteTemplate.objects.get(name="SOAP")
    assert client.get(reverse("clients:note_template_edit", args=[soap.pk])).status_code == 404
    assert client.get(reverse("clients:note_template_edit", args=[own.pk])).status_code == 200


def test_staff_and_clients_do_not_reach_the_templates(client, staff_user, client_user):
    for user in (staff_user, client_user):
        client.force_login(user)
        assert client.get(reverse("clients:note_templates")).status_code == 404
        assert client.post(reverse("clients:note_template_create"), {"name": "x"}).status_code == 404
    client.logout()
    assert client.get(reverse("clients:note_templates")).status_code == 302


def test_the_template_list_refuses_other_methods(client, alice):
    client.force_login(alice.user)
    assert client.post(reverse("clients:note_templates")).status_code == 405


def test_the_admin_lists_the_templates(client, admin_user):
    client.force_login(admin_user)
    r = client.get(reverse("admin:clients_notetemplate_changelist"))
    assert r.status_code == 200 and "BIRP" in r.content.decode()
