"""practice/choices.py and the appointment badge: what a row shows, made once per page, is what the
field's display and the session page's badge show."""

import pytest
from django.template.loader import render_to_string

from practice.choices import choice_labels
from practice.templatetags.badges import appointment_badge
from sessions_app.models import Appointment


@pytest.mark.parametrize("status", [value for value, _label in Appointment.Status.choices])
def test_each_status_label_and_badge_match_the_session_page(status):
    appointment = Appointment(status=status)
    assert choice_labels(Appointment, "status")[status] == appointment.get_status_display()
    html = render_to_string("sessions_app/_appointment_status.html", {"appointment": appointment})
    assert f'class="badge {appointment_badge(status)}"' in html and appointment.get_status_display() in html


def test_a_value_no_longer_among_the_choices_shows_as_itself():
    assert choice_labels(Appointment, "status")["retired"] == "retired"


def test_the_badge_tones_of_the_statuses():
    assert [appointment_badge(s) for s in ("booked", "attended", "no_show", "cancelled", "late_cancelled")] == [
        "text-bg-primary",
        "text-bg-success",
        "text-bg-warning",
        "text-bg-secondary",
        "text-bg-secondary",
    ]
