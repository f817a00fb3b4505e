"""Messaging's own access sweep: every page, every actor. A member never reaches the partner's private
or office thread; another therapist, staff (outside the office threads) and strangers get 404."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from clients import export
from messaging import access, services
from messaging.models import Thread
from tests.factories import ClientFactory, portal_user_for
from tests.messaging.conftest import portal_url, practice_url, send


@pytest.fixture
def threads(unit, ada, bea, alice):
    """A message in every thread of the couple, each with a file."""
    made = {}
    for member in (ada, bea):
        for kind in ("private", "admin"):
            made[(kind, member.position)] = services.message_send(
                channel=access.get_portal_channel(member.user, kind),
                by=member.user,
                body=f"{kind} of {member.position}",
                upload=SimpleUploadedFile("a.pdf", b"%PDF-1.4", content_type="application/pdf"),
            )
    made[("joint", None)] = services.message_send(
        channel=access.get_practice_channel(alice.user, unit.pk, "joint"), by=alice.user, body="joint"
    )
    return made


@pytest.fixture
def stranger(alice):
    return portal_user_for(ClientFactory(primary_therapist=alice).members.get())


def test_a_member_reaches_only_their_own_private_and_office_thread(client, unit, ada, threads):
    client.force_login(ada.user)
    assert "private of 1" in client.get(portal_url("private")).content.decode()
    assert "admin of 1" in client.get(portal_url("admin")).content.decode()
    for channel in ("private", "admin", "joint"):
        page = client.get(portal_url(channel)).content.decode()
        assert "of 2" not in page, channel
    for kind in ("private", "admin"):
        partners = threads[(kind, 2)]
        attachment = partners.attachments.get()
        assert client.get(reverse("portal:message_attachment", args=[attachment.pk])).status_code == 404
        assert client.post(reverse("portal:message_withdraw", args=[partners.pk])).status_code == 404


def test_members_cannot_use_the_practice_pages(client, unit, ada, threads):
    client.force_login(ada.user)
    for channel in ("private-1", "private-2", "joint", "admin-1"):
        assert client.get(practice_url(unit, channel)).status_code == 404
    assert client.get(reverse("messaging:inbox")).status_code == 404


def test_another_therapist_gets_404_everywhere(client, unit, charlie, threads):
    client.force_login(charlie.user)
    for channel in ("private-1", "private-2", "joint", "admin-1", "admin-2"):
        assert client.get(practice_url(unit, channel)).status_code == 404
        assert send(client, practice_url(unit, channel), "x").status_code == 404
        assert client.get(reverse("messaging:poll", args=[unit.pk, channel])).status_code == 404
    attachment = threads[("private", 1)].attachments.get()
    assert client.get(reverse("messaging:attachment", args=[attachment.pk])).status_code == 404
    assert "private of" not in client.get(reverse("messaging:inbox")).content.decode()
    assert unit.reference not in client.get(reverse("messaging:inbox")).content.decode()


def test_staff_reach_the_office_threads_only(client, unit, staff_user, threads):
    client.force_login(staff_user)
    assert client.get(practice_url(unit, "admin-2")).status_code == 200
    office = threads[("admin", 1)].attachments.get()
    assert client.get(reverse("messaging:attachment", args=[office.pk])).status_code == 200
    private = threads[("private", 1)].attachments.get()
    assert client.get(reverse("messaging:attachment", args=[private.pk])).status_code == 404
    inbox = client.get(reverse("messaging:inbox")).content.decode()
    assert "Practice office" in inbox and "Private" not in inbox and "Joint" not in inbox


def test_a_client_of_another_unit_reaches_nothing(client, stranger, threads):
    client.force_login(stranger)
    for message in threads.values():
        assert client.post(reverse("portal:message_withdraw", args=[message.pk])).status_code == 404
        for attachment in message.attachments.all():
            assert client.get(reverse("portal:message_attachment", args=[attachment.pk])).status_code == 404
    assert "of 1" not in client.get(portal_url("private")).content.decode()


def test_unknown_channels_and_members_are_404(client, unit, alice):
    client.force_login(alice.user)
    for channel in ("private-3", "admin-0", "private", "joint-1", "secret", "private-x"):
        assert client.get(practice_url(unit, channel)).status_code == 404, channel


def test_a_therapist_taken_off_the_unit_loses_the_threads(client, unit, alice, charlie, threads):
    from clients import services as clients

    clients.client_therapists_set(client=unit, primary=charlie, co_therapists=[], by=alice.user)
    client.force_login(alice.user)
    assert client.get(practice_url(unit, "joint")).status_code == 404
    assert client.post(reverse("messaging:withdraw", args=[threads[("joint", None)].pk])).status_code == 404


def test_the_export_holds_the_members_own_threads_and_the_joint_one_never_the_partners(unit, ada, alice, threads):
    record = export.client_record_export(client=unit, therapist=alice, include_psychotherapy=False, member=ada)
    bodies = {m["body"] for thread in record["messages"] for m in thread["messages"]}
    assert bodies == {"private of 1", "admin of 1", "joint"}
    whole = export.client_record_export(client=unit, therapist=alice, include_psychotherapy=False, member=None)
    assert {m["body"] for t in whole["messages"] for m in t["messages"]} == {"joint"}


def test_threads_are_one_per_member_and_kind(unit, ada, threads):
    services.message_send(channel=access.get_portal_channel(ada.user, "private"), by=ada.user, body="again")
    assert Thread.objects.filter(client=unit, kind="private", member=ada).count() == 1
    assert Thread.objects.filter(client=unit, kind="joint").count() == 1
