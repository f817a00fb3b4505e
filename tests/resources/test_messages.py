"""Messages through the outbox: due-date reminders, the day-before workshop reminder, and being moved
up from the waiting list. Built at send time; never clinical; discreet wording honoured."""

import re
import zoneinfo
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from clients.models import Consent
from outbox.models import Notification
from resources import messages, services
from tests.factories import WorkshopFactory

LONDON = zoneinfo.ZoneInfo("Europe/London")
TRIGGERS = re.compile(r"therap|sex", re.IGNORECASE)


@pytest.fixture
def consenting(unit, alice):
    """Both partners accept email reminders."""
    for member in unit.members.all():
        Consent.objects.create(client=unit, member=member, kind=Consent.Kind.REMINDERS_EMAIL, recorded_by=alice.user)
    return unit


def in_days(days):
    return timezone.localdate() + timedelta(days=days)


def rows(kind):
    return Notification.objects.filter(kind=kind).order_by("member__position")


# --- Due-date reminders ---------------------------------------------------------------------------


def test_a_due_date_queues_a_reminder_the_day_before_for_each_partner(alice, consenting, sensate, partner_a):
    assignment = services.assignment_create(client=consenting, resource=sensate, by=alice.user, due_on=in_days(5))
    queued = list(rows(messages.ASSIGNMENT_DUE))
    assert len(queued) == 2 and {n.status for n in queued} == {"pending"}
    assert queued[0].member == partner_a and queued[0].target_id == str(assignment.pk)
    assert queued[0].send_at.astimezone(LONDON) == datetime.combine(in_days(4), time(9), tzinfo=LONDON)
    assert queued[0].reference == consenting.reference


def test_no_reminder_without_email_consent_address_or_preference(
    alice, unit, consenting, reading, partner_a, partner_b
):
    partner_b.contact_by_email = False
    partner_b.save(update_fields=["contact_by_email"])
    services.assignment_create(client=unit, resource=reading, by=alice.user, due_on=in_days(5))
    assert [n.member_id for n in rows(messages.ASSIGNMENT_DUE)] == [partner_a.pk]


def test_no_reminder_without_the_reminder_consent(alice, unit, reading):
    services.assignment_create(client=unit, resource=reading, by=alice.user, due_on=in_days(5))
    assert not rows(messages.ASSIGNMENT_DUE).exists()


def test_work_for_one_partner_reminds_that_partner_only(alice, consenting, reading, partner_b):
    services.assignment_create(client=consenting, resource=reading, by=alice.user, member=partner_b, due_on=in_days(5))
    assert [n.member_id for n in rows(messages.ASSIGNMENT_DUE)] == [partner_b.pk]


def test_no_reminder_when_the_day_before_has_passed_or_no_due_date(alice, consenting, reading, sensate):
    services.assignment_create(client=consenting, resource=reading, by=alice.user, due_on=timezone.localdate())
    services.assignment_create(client=consenting, resource=sensate, by=alice.user)
    assert not rows(messages.ASSIGNMENT_DUE).exists()


def test_a_new_due_date_replaces_the_reminder_and_an_old_date_can_come_back(alice, consenting, reading):
    assignment = services.assignment_create(client=consenting, resource=reading, by=alice.user, due_on=in_days(5))
    services.assignment_update(assignment=assignment, by=alice.user, due_on=in_days(8), note="")
    assert set(rows(messages.ASSIGNMENT_DUE).values_list("status", flat=True)) == {"pending", "cancelled"}
    services.assignment_update(assignment=assignment, by=alice.user, due_on=in_days(5), note="")
    live = rows(messages.ASSIGNMENT_DUE).filter(status="pending")
    assert live.count() == 2
    assert {n.send_at.astimezone(LONDON).date() for n in live} == {in_days(4)}


def test_the_reminder_is_sent_once_and_says_nothing_clinical(
    alice, consenting, sensate, partner_a, deliver, mailoutbox
):
    assignment = services.assignment_create(
        client=consenting, resource=sensate, by=alice.user, due_on=in_days(3), note="CLINICALNOTE"
    )
    due = rows(messages.ASSIGNMENT_DUE).first().send_at
    deliver(now=due + timedelta(minutes=1))
    deliver(now=due + timedelta(minutes=2))
    assert len(mailoutbox) == 2 and mailoutbox[0].to == [partner_a.email]
    mail = mailoutbox[0]
    body = mail.body + mail.alternatives[0][0]
    assert "therapist" in body and f"/portal/assignments/{assignment.pk}/" in body
    for secret in ("CLINICALNOTE", sensate.title, "Stage 1", consenting.reference):
        assert secret not in mail.subject + body


def test_discreet_wording_keeps_therapy_and_sex_out_of_the_reminder(
    alice, consenting, reading, partner_a, deliver, mailoutbox
):
    partner_a.discreet_wording = True
    partner_a.save(update_fields=["discreet_wording"])
    services.assignment_create(client=consenting, resource=reading, by=alice.user, member=partner_a, due_on=in_days(3))
    deliver(now=rows(messages.ASSIGNMENT_DUE).first().send_at + timedelta(minutes=1))
    (mail,) = mailoutbox
    assert not TRIGGERS.search(mail.subject + mail.body + mail.alternatives[0][0])
    assert "reminder" in mail.subject.lower()


def test_no_reminder_once_the_work_is_done_or_the_member_finished_what_was_released(
    alice, consenting, sensate, partner_a, partner_b, deliver, mailoutbox
):
    assignment = services.assignment_create(client=consenting, resource=sensate, by=alice.user, due_on=in_days(3))
    first = sensate.steps.order_by("order").first()
    services.progress_save(assignment=assignment, member=partner_a, by=partner_a.user, step=first, mark_done=True)
    deliver(now=rows(messages.ASSIGNMENT_DUE).first().send_at + timedelta(minutes=1))
    assert [m.to for m in mailoutbox] == [[partner_b.email]]  # partner A has done all that is released
    assert set(rows(messages.ASSIGNMENT_DUE).values_list("status", flat=True)) == {"cancelled", "sent"}


def test_finishing_cancels_the_pending_reminders(alice, consenting, reading, partner_a, partner_b):
    assignment = services.assignment_create(client=consenting, resource=reading, by=alice.user, due_on=in_days(5))
    for member in (partner_a, partner_b):
        services.progress_save(assignment=assignment, member=member, by=member.user, mark_done=True)
    assert set(rows(messages.ASSIGNMENT_DUE).values_list("status", flat=True)) == {"cancelled"}


def test_withdrawing_the_consent_stops_a_queued_reminder(alice, consenting, reading, partner_a, deliver, mailoutbox):
    services.assignment_create(client=consenting, resource=reading, by=alice.user, member=partner_a, due_on=in_days(3))
    Consent.objects.filter(member=partner_a).update(revoked_at=timezone.now())
    deliver(now=rows(messages.ASSIGNMENT_DUE).first().send_at + timedelta(minutes=1))
    assert mailoutbox == [] and rows(messages.ASSIGNMENT_DUE).get().status == "cancelled"


# --- Workshops ------------------------------------------------------------------------------------


@pytest.fixture
def evening(db):
    return WorkshopFactory(title="Sex and desire evening", capacity=1, video_link="https://video.example.org/w")


def test_registering_queues_the_day_before_reminder(consenting, evening, partner_a, deliver, mailoutbox):
    registration = services.registration_create(workshop=evening, member=partner_a, by=partner_a.user)
    (reminder,) = rows(messages.WORKSHOP_TOMORROW)
    assert reminder.send_at == evening.starts_at - timedelta(days=1)
    assert reminder.target_id == str(registration.pk)
    deliver(now=reminder.send_at + timedelta(minutes=1))
    (mail,) = mailoutbox
    body = mail.body
    assert "tomorrow" in mail.subject and "Sex and desire evening" in body and "Europe/London" in body
    assert "https://video.example.org/w" in body and "/portal/workshops/" in body


def test_the_discreet_workshop_reminder_names_neither_the_topic_nor_therapy(
    consenting, evening, partner_a, deliver, mailoutbox
):
    partner_a.discreet_wording = True
    partner_a.save(update_fields=["discreet_wording"])
    services.registration_create(workshop=evening, member=partner_a, by=partner_a.user)
    deliver(now=evening.starts_at - timedelta(days=1) + timedelta(minutes=1))
    (mail,) = mailoutbox
    assert not TRIGGERS.search(mail.subject + mail.body + mail.alternatives[0][0])
    assert "desire" not in mail.body


def test_cancelling_cancels_the_reminder_and_promotes_the_first_in_line(
    consenting, evening, partner_a, partner_b, deliver, mailoutbox
):
    mine = services.registration_create(workshop=evening, member=partner_a, by=partner_a.user)
    waiting = services.registration_create(workshop=evening, member=partner_b, by=partner_b.user)
    assert waiting.status == "waitlisted" and rows(messages.WORKSHOP_TOMORROW).count() == 1

    (promoted,) = services.registration_cancel(registration=mine, by=partner_a.user)
    assert promoted.pk == waiting.pk
    assert rows(messages.WORKSHOP_TOMORROW).get(member=partner_a).status == "cancelled"
    assert rows(messages.WORKSHOP_TOMORROW).get(member=partner_b).status == "pending"
    deliver()
    (mail,) = mailoutbox
    assert mail.to == [partner_b.email] and "place" in mail.subject


def test_being_moved_up_is_told_even_without_the_reminder_consent(
    unit, evening, partner_a, partner_b, deliver, mailoutbox
):
    mine = services.registration_create(workshop=evening, member=partner_a, by=partner_a.user)
    services.registration_create(workshop=evening, member=partner_b, by=partner_b.user)
    services.registration_cancel(registration=mine, by=partner_a.user)
    deliver()
    assert [m.to for m in mailoutbox] == [[partner_b.email]]
    deliver(now=evening.starts_at - timedelta(hours=23))
    assert len(mailoutbox) == 1  # the reminder needs the consent


def test_a_moved_workshop_re_times_its_reminders(consenting, evening, partner_a, deliver, mailoutbox):
    services.registration_create(workshop=evening, member=partner_a, by=partner_a.user)
    old = rows(messages.WORKSHOP_TOMORROW).get()
    evening.starts_at += timedelta(days=2)
    evening.ends_at += timedelta(days=2)
    evening.save()
    services.workshop_changed(workshop=evening, by=None)
    old.refresh_from_db()
    new = rows(messages.WORKSHOP_TOMORROW).get(status="pending")
    assert old.status == "cancelled" and new.send_at == evening.starts_at - timedelta(days=1)
    deliver(now=new.send_at + timedelta(minutes=1))
    assert len(mailoutbox) == 1


def test_a_called_off_workshop_sends_no_reminder(consenting, evening, partner_a, deliver, mailoutbox):
    services.registration_create(workshop=evening, member=partner_a, by=partner_a.user)
    evening.active = False
    evening.save(update_fields=["active"])
    deliver(now=evening.starts_at - timedelta(hours=23))
    assert mailoutbox == []
