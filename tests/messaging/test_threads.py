"""Who may read which thread, partner privacy, the office thread without clinical access, the
withdrawal window, the policy line, the crisis text, read times and rate limits."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from messaging.models import Message, Receipt, Thread
from practice.models import AuditAction, AuditEvent
from tests.messaging.conftest import count_queries, portal_url, practice_url, send

SECRET = "MARKER-private-from-ada"


def test_a_partner_writes_privately_and_the_other_partner_never_sees_it(client, unit, ada, bea, alice):
    client.force_login(ada.user)
    response = send(client, portal_url("private"), SECRET)
    assert response.status_code == 302
    thread = Thread.objects.get(client=unit, kind="private", member=ada)
    assert thread.messages.get().body == SECRET

    client.force_login(bea.user)
    own = client.get(portal_url("private"))
    assert own.status_code == 200 and SECRET not in own.content.decode()
    assert SECRET not in client.get(portal_url("joint")).content.decode()
    assert SECRET not in client.get(reverse("portal:messages")).content.decode()

    client.force_login(alice.user)
    assert SECRET in client.get(practice_url(unit, "private-1")).content.decode()


def test_the_joint_thread_is_read_by_both_partners_and_the_therapist(client, unit, ada, bea, alice):
    client.force_login(alice.user)
    assert send(client, practice_url(unit, "joint"), "Both of you: see you Thursday").status_code == 302
    for member in (ada, bea):
        client.force_login(member.user)
        assert "see you Thursday" in client.get(portal_url("joint")).content.decode()


def test_an_individual_has_no_joint_thread(client, individual):
    client.force_login(individual.user)
    assert client.get(portal_url("joint")).status_code == 404
    assert client.get(portal_url("private")).status_code == 200
    assert client.get(portal_url("nonsense")).status_code == 404


def test_staff_read_and_answer_the_office_thread_but_no_clinical_thread(client, unit, ada, staff_user):
    client.force_login(ada.user)
    send(client, portal_url("admin"), "Can I move Thursday?")
    send(client, portal_url("private"), SECRET)
    client.force_login(staff_user)
    office = client.get(practice_url(unit, "admin-1"))
    assert office.status_code == 200 and "Can I move Thursday?" in office.content.decode()
    assert "please do not write about your therapy here" in office.content.decode()
    assert send(client, practice_url(unit, "admin-1"), "Yes, Friday at ten").status_code == 302
    for channel in ("private-1", "private-2", "joint"):
        assert client.get(practice_url(unit, channel)).status_code == 404
        assert send(client, practice_url(unit, channel), "x").status_code == 404
    assert SECRET not in client.get(reverse("messaging:inbox")).content.decode()


def test_therapists_read_the_office_thread_but_do_not_write_there(client, unit, ada, alice):
    client.force_login(ada.user)
    send(client, portal_url("admin"), "An invoice question")
    client.force_login(alice.user)
    page = client.get(practice_url(unit, "admin-1"))
    assert page.status_code == 200 and "An invoice question" in page.content.decode()
    response = send(client, practice_url(unit, "admin-1"), "I will answer")
    assert response.status_code == 400
    assert Message.objects.count() == 1


def test_the_office_page_tells_the_member_it_holds_no_clinical_text(client, ada):
    client.force_login(ada.user)
    assert "please do not write about your therapy here" in client.get(portal_url("admin")).content.decode()


def test_every_read_by_a_therapist_or_staff_is_audited(client, unit, ada, alice, staff_user):
    client.force_login(ada.user)
    send(client, portal_url("private"), SECRET)
    send(client, portal_url("admin"), "office")
    before = AuditEvent.objects.filter(action=AuditAction.VIEW).count()
    client.get(portal_url("private"))  # the member's own read is not a disclosure
    assert AuditEvent.objects.filter(action=AuditAction.VIEW).count() == before
    client.force_login(alice.user)
    client.get(practice_url(unit, "private-1"))
    client.force_login(staff_user)
    client.get(practice_url(unit, "admin-1"))
    views = AuditEvent.objects.filter(action=AuditAction.VIEW, target_type="messaging.thread").order_by("pk")
    assert [(e.actor_id, e.client_id) for e in views] == [(alice.user.pk, unit.pk), (staff_user.pk, unit.pk)]


def test_a_poll_that_shows_new_messages_is_audited(client, unit, ada, alice):
    client.force_login(alice.user)
    client.get(practice_url(unit, "private-1"))
    client.force_login(ada.user)
    send(client, portal_url("private"), "new one")
    client.force_login(alice.user)
    count = AuditEvent.objects.filter(action=AuditAction.VIEW).count()
    poll = client.get(reverse("messaging:poll", args=[unit.pk, "private-1"]))
    assert poll.status_code == 200 and "new one" in poll.content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.VIEW).count() == count + 1
    client.get(reverse("messaging:poll", args=[unit.pk, "private-1"]))  # nothing new: no row
    assert AuditEvent.objects.filter(action=AuditAction.VIEW).count() == count + 1


def test_read_times_are_kept_per_reader(client, unit, ada, bea, alice):
    client.force_login(alice.user)
    send(client, practice_url(unit, "joint"), "hello both")
    message = Message.objects.get()
    assert set(Receipt.objects.filter(message=message).values_list("user", flat=True)) == {alice.user.pk}
    client.force_login(bea.user)
    client.get(portal_url("joint"))
    readers = set(Receipt.objects.filter(message=message).values_list("user", flat=True))
    assert readers == {alice.user.pk, bea.user.pk}
    client.force_login(alice.user)
    assert "Read " in client.get(practice_url(unit, "joint")).content.decode()


def test_a_message_is_withdrawn_within_five_minutes_and_the_withdrawal_is_recorded(client, unit, ada, bea):
    client.force_login(ada.user)
    send(client, portal_url("joint"), "I take this back")
    message = Message.objects.get()
    response = client.post(reverse("portal:message_withdraw", args=[message.pk]))
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.withdrawn_at is not None
    assert AuditEvent.objects.filter(action=AuditAction.MESSAGE_WITHDRAWN, target_id=str(message.pk)).exists()
    client.force_login(bea.user)
    page = client.get(portal_url("joint")).content.decode()
    assert "I take this back" not in page and "Message withdrawn" in page


def test_after_five_minutes_a_message_stays(client, unit, ada):
    client.force_login(ada.user)
    send(client, portal_url("private"), "too late to take back")
    message = Message.objects.get()
    with time_machine.travel(timezone.now() + timedelta(minutes=5, seconds=1)):
        response = client.post(reverse("portal:message_withdraw", args=[message.pk]), follow=True)
    assert "only within five minutes" in response.content.decode()
    message.refresh_from_db()
    assert message.withdrawn_at is None


def test_only_the_sender_withdraws(client, unit, ada, bea, alice):
    client.force_login(ada.user)
    send(client, portal_url("joint"), "mine")
    message = Message.objects.get()
    client.force_login(bea.user)
    assert client.post(reverse("portal:message_withdraw", args=[message.pk])).status_code == 404
    client.force_login(alice.user)
    assert client.post(reverse("messaging:withdraw", args=[message.pk])).status_code == 404
    message.refresh_from_db()
    assert message.withdrawn_at is None


def test_there_is_no_editing(client, unit, ada):
    client.force_login(ada.user)
    send(client, portal_url("private"), "as sent")
    page = client.get(portal_url("private")).content.decode()
    assert "Edit" not in page
    assert not [p for p in reverse("portal:messages").split("/") if p == "edit"]


def test_the_policy_line_shows_before_the_first_private_message(client, unit, ada):
    client.force_login(ada.user)
    line = (
        "Under your couple&#x27;s policy, your therapist may decide with you whether this is raised in joint sessions"
    )
    assert line in client.get(portal_url("private")).content.decode()
    assert line not in client.get(portal_url("joint")).content.decode()
    send(client, portal_url("private"), "first")
    assert line not in client.get(portal_url("private")).content.decode()


def test_the_crisis_text_and_working_hours_are_beside_every_box(client, unit, ada, individual):
    for user in (ada.user, individual.user):
        client.force_login(user)
        for channel in ("private", "admin") + (("joint",) if user == ada.user else ()):
            page = client.get(portal_url(channel)).content.decode()
            assert "crisis-text" in page, channel
            assert "Messages are read during working hours only." in page, channel


def test_a_member_over_the_rate_limit_is_told_and_keeps_the_text(client, settings, unit, ada):
    settings.MESSAGING_RATE_LIMIT = 2
    client.force_login(ada.user)
    send(client, portal_url("private"), "one")
    send(client, portal_url("private"), "two")
    response = send(client, portal_url("private"), "three, still in the box")
    assert response.status_code == 429
    page = response.content.decode()
    assert "three, still in the box" in page and "as many as we take at once" in page
    assert Message.objects.count() == 2


def test_an_empty_or_too_long_message_is_refused_with_the_text_kept(client, unit, ada):
    client.force_login(ada.user)
    assert send(client, portal_url("private"), "   ").status_code == 400
    long = "x" * 10_001
    response = send(client, portal_url("private"), long)
    assert response.status_code == 400 and long in response.content.decode()
    assert Message.objects.count() == 0


@pytest.mark.parametrize("method", ["put", "delete"])
def test_wrong_methods_are_refused(client, unit, ada, method):
    client.force_login(ada.user)
    assert getattr(client, method)(portal_url("private")).status_code == 405


def test_anonymous_visitors_go_to_sign_in(client, unit):
    for url in (portal_url("private"), practice_url(unit, "joint"), reverse("messaging:inbox")):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_the_client_page_and_the_dashboard_show_counts_and_times_never_text(client, unit, ada, alice):
    client.force_login(ada.user)
    send(client, portal_url("private"), SECRET)
    client.force_login(alice.user)
    dashboard = client.get(reverse("dashboard")).content.decode()
    assert "data-inbox" in dashboard and SECRET not in dashboard
    assert '<span class="badge text-bg-primary">1</span> unread' in dashboard
    page = client.get(reverse("clients:detail", args=[unit.pk])).content.decode()
    assert "messages-heading" in page and SECRET not in page
    inbox = client.get(reverse("messaging:inbox")).content.decode()
    assert unit.reference in inbox and SECRET not in inbox


def test_the_inbox_takes_a_fixed_number_of_queries(client, alice, django_assert_num_queries):
    from tests.factories import couple, portal_user_for

    def add_unit_with_message():
        pair = couple(alice)
        member = pair.members.get(position=1)
        portal_user_for(member)
        client.force_login(member.user)
        send(client, portal_url("private"), "hello")

    add_unit_with_message()
    client.force_login(alice.user)
    client.get(reverse("messaging:inbox"))
    few = count_queries(lambda: client.get(reverse("messaging:inbox")))
    for _ in range(3):
        add_unit_with_message()
    client.force_login(alice.user)
    client.get(reverse("messaging:inbox"))
    with django_assert_num_queries(few):
        assert client.get(reverse("messaging:inbox")).status_code == 200


def test_a_thread_page_takes_a_fixed_number_of_queries(client, unit, ada, alice, django_assert_num_queries):
    client.force_login(alice.user)
    send(client, practice_url(unit, "joint"), "one")
    client.get(practice_url(unit, "joint"))
    few = count_queries(lambda: client.get(practice_url(unit, "joint")))
    for n in range(4):
        send(client, practice_url(unit, "joint"), f"more {n}")
    client.get(practice_url(unit, "joint"))
    with django_assert_num_queries(few):
        assert client.get(practice_url(unit, "joint")).status_code == 200


def test_what_was_being_typed_is_kept_as_a_draft_and_put_back(client, unit, ada, alice):
    from django.http import Http404

    from practice.drafts import draft_save, form_for_key

    draft_save(
        user=ada.user, key="messaging.message:portal:private", fields={"body": ["half written"]}, return_path="/"
    )
    client.force_login(ada.user)
    page = client.get(portal_url("private")).content.decode()
    assert "half written" in page and "not saved yet" in page
    send(client, portal_url("private"), "half written, now sent")
    assert "not saved yet" not in client.get(portal_url("private")).content.decode()
    with pytest.raises(Http404):  # therapists do not write in the office thread: no draft there either
        form_for_key(alice.user, f"messaging.message:{unit.pk}:admin-1")
    with pytest.raises(Http404):
        form_for_key(ada.user, f"messaging.message:{unit.pk}:private-1")


def test_the_thread_polls_with_a_served_htmx_and_no_inline_code(client, unit, ada):
    from tests.practice.test_headers import inline_code, offsite_assets

    client.force_login(ada.user)
    page = client.get(portal_url("joint")).content.decode()
    assert inline_code(page) == []
    assert 'src="/static/django_htmx/htmx-2.min.js"' in page and offsite_assets(page) == []
    assert f'hx-get="{reverse("portal:message_poll", args=["joint"])}"' in page
    assert client.get(reverse("portal:message_poll", args=["joint"])).status_code == 200
