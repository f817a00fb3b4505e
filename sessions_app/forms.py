"""Forms for the therapist and staff calendar. Validation only: services do the writes.

Dates and times are typed in the therapist's own zone and become aware datetimes here, through
`selectors.local_datetime`, so a wall-clock time that does not exist (clocks going forward) is a
field error rather than a silent shift.
"""

import zoneinfo
from datetime import date, datetime, time, timedelta

from django import forms
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from clients.models import Client, Member
from clients.selectors import client_list, policy_unacknowledged
from practice.models import Therapist, User
from sessions_app import selectors
from sessions_app.models import BookingRules, Modality, ReminderSchedule, Room, Series, WorkingHours

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
NO_REPEAT = ""
MAX_SESSIONS = 52
FIRST_YEAR, LAST_YEAR = 1900, 2200


class DateField(forms.DateField):
    """A date a calendar can handle: far-off years would overflow date arithmetic (a 500, not an error)."""

    def validate(self, value):
        super().validate(value)
        if value and not FIRST_YEAR <= value.year <= LAST_YEAR:
            raise forms.ValidationError(
                _t("Choose a date between %(first)s and %(last)s.") % {"first": FIRST_YEAR, "last": LAST_YEAR}
            )


def _missing_time(zone: zoneinfo.ZoneInfo) -> str:
    return _t("That time does not exist in %(zone)s (clocks change).") % {"zone": zone.key}


def _aware(form: forms.Form, day: date | None, at: time | None, field: str, zone) -> datetime | None:
    """`day` at `at` in `zone`, or a field error on `field` when that local time does not exist."""
    if day is None or at is None:
        return None
    moment = selectors.local_datetime(day, at, zone)
    if moment is None:
        form.add_error(field, _missing_time(zone))
    return moment


def _pick(queryset, value):
    """The row of `queryset` with primary key `value` (user input), or None."""
    try:
        return queryset.filter(pk=int(value)).first() if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


# --- The schedule ---------------------------------------------------------------------------------


class ScheduleForm(forms.Form):
    view = forms.ChoiceField(choices=[("week", _("Week")), ("day", _("Day")), ("month", _("Month"))], required=False)
    date = DateField(required=False, widget=DATE)
    therapist = forms.ModelChoiceField(
        queryset=Therapist.objects.order_by("display_name"), required=False, empty_label=_("All therapists")
    )
    # Which ten therapists the day of everyone shows (staff): a bad value shows the first.
    group = forms.IntegerField(min_value=1, max_value=10_000, required=False)

    def __init__(self, *args, staff: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not staff:
            del self.fields["therapist"]
            del self.fields["group"]

    def value(self, name: str, default=None):
        """A cleaned value, or `default` when it was missing or invalid (a bad link shows this week)."""
        self.is_valid()
        return getattr(self, "cleaned_data", {}).get(name) or default


# --- Booking from the calendar ---------------------------------------------------------------------


class ClientChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Client) -> str:
        names = ", ".join(m.display_name for m in obj.members.all())
        return f"{obj.reference} · {names}" if names else obj.reference


class TherapistChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Therapist) -> str:
        return f"{obj.display_name} ({obj.time_zone})"


class MemberChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Member) -> str:
        return obj.display_name


class AppointmentForm(forms.Form):
    """One session or a weekly/fortnightly series for a client, typed in the therapist's zone.

    Who attends defaults to everyone in the unit. The member checkboxes belong to one client;
    `members_for` says which client they were shown for, so choosing another client (without
    refreshing the form) books everyone in that unit instead of failing on the old names.
    """

    therapist = TherapistChoiceField(
        queryset=Therapist.objects.order_by("display_name"),
        empty_label=_("Choose a therapist"),
        help_text=_("Date and time are in the therapist's own zone, shown next to the name."),
    )
    client = ClientChoiceField(queryset=Client.objects.none(), empty_label=_("Choose a client"))
    members = MemberChoiceField(
        queryset=Member.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Who attends"),
        help_text=_("For a couple, leave one partner unticked for an individual session."),
    )
    members_for = forms.IntegerField(required=False, widget=forms.HiddenInput)
    date = DateField(widget=DATE)
    start_time = forms.TimeField(widget=TIME, label=_("Start time"))
    minutes = forms.IntegerField(min_value=15, max_value=240, required=False, label=_("Length (minutes)"))
    modality = forms.ChoiceField(choices=Modality.choices, label=_("Kind of session"))
    room = forms.ModelChoiceField(
        queryset=Room.objects.filter(active=True),
        required=False,
        empty_label=_("Any free room"),
        help_text=_("In person only. Left blank, a free room is picked."),
    )
    repeat = forms.ChoiceField(
        choices=[(NO_REPEAT, _("Does not repeat")), *Series.Frequency.choices], required=False, label=_("Repeat")
    )
    count = forms.IntegerField(min_value=2, max_value=MAX_SESSIONS, required=False, label=_("Number of sessions"))
    until = DateField(required=False, widget=DATE, label=_("Or until (date)"))
    confirm = forms.BooleanField(
        required=False, label=_("Book anyway"), help_text=_("I have read the warnings above and want this time.")
    )

    def __init__(self, data=None, *, user: User, initial: dict | None = None):
        super().__init__(data, initial=initial)
        self.staff = not user.is_therapist
        if self.staff:
            self.chosen_therapist = _pick(self.fields["therapist"].queryset, self._raw("therapist"))
            clients = client_list(staff=True)
        else:
            del self.fields["therapist"]
            self.chosen_therapist = user.therapist
            clients = client_list(therapist=user.therapist)
        self.fields["client"].queryset = clients
        self.chosen_client = _pick(clients, self._raw("client"))
        # Shown beside "who attends": a joint session before both partners acknowledged the policy.
        self.policy_unacknowledged = policy_unacknowledged(self.chosen_client) if self.chosen_client else []
        self.rules = selectors.rules_for(self.chosen_therapist) if self.chosen_therapist else None
        self.zone = self.chosen_therapist.zone if self.chosen_therapist else None
        self._set_members()
        self._describe_zone_and_rules()

    def _raw(self, name: str):
        return self.data.get(name) if self.is_bound else self.initial.get(name)

    def _set_members(self) -> None:
        client = self.chosen_client
        if client is None:
            if self.is_bound:
                self._replace_members([], "")  # ticks for no (valid) client mean nothing
            return
        self.fields["members"].queryset = Member.objects.filter(client=client).order_by("position")
        everyone = [str(pk) for pk in self.fields["members"].queryset.values_list("pk", flat=True)]
        shown_for = str(self._raw("members_for") or "")
        if self.is_bound and shown_for != str(client.pk):
            self._replace_members(everyone, str(client.pk))  # the ticks were for another unit, or none shown
        elif not self.is_bound:
            self.initial.setdefault("members", everyone)
            self.initial["members_for"] = client.pk

    def _replace_members(self, member_ids: list[str], shown_for: str) -> None:
        data = self.data.copy()
        if hasattr(data, "setlist"):
            data.setlist("members", member_ids)
        else:
            data["members"] = member_ids
        data["members_for"] = shown_for
        self.data = data

    def _describe_zone_and_rules(self) -> None:
        where = self.zone.key if self.zone else _t("the therapist's time zone")
        self.fields["start_time"].label = _t("Start time (%(zone)s)") % {"zone": where}
        if self.rules is None:
            self.fields["minutes"].help_text = _t("Blank: the therapist's usual length.")
            return
        offered = self.rules.offered_modalities()
        self.fields["modality"].choices = [(v, label) for v, label in Modality.choices if v in offered]
        self.fields["minutes"].initial = self.rules.session_minutes
        self.fields["minutes"].help_text = _t("Usually %(minutes)s.") % {"minutes": self.rules.session_minutes}

    def clean(self):
        data = super().clean()
        therapist = data["therapist"] = data.get("therapist") if self.staff else self.chosen_therapist
        client = data.get("client")
        if therapist and client and self.staff and not client.is_treated_by(therapist):
            message = _t("%(ref)s is not a client of %(name)s.")
            self.add_error("client", message % {"ref": client.reference, "name": therapist.display_name})
        modality = data.get("modality")
        if self.rules and modality and modality not in self.rules.offered_modalities():
            message = _t("%(name)s does not offer %(kind)s sessions.")
            kind = str(Modality(modality).label).lower()
            self.add_error("modality", message % {"name": therapist.display_name, "kind": kind})
        if client and "members" in data and not data["members"]:
            self.add_error("members", _t("Choose who attends."))
        if therapist:
            data["start"] = _aware(self, data.get("date"), data.get("start_time"), "start_time", therapist.zone)
        if modality != Modality.IN_PERSON:
            data["room"] = None
        if data.get("repeat"):
            self._check_repeat(data, self.rules)
        return data

    def _check_repeat(self, data: dict, rules: BookingRules | None) -> None:
        if not data.get("count") and not data.get("until"):
            self.add_error("count", _t("Give a number of sessions or an end date."))
        first, until = data.get("date"), data.get("until")
        if first and until and until <= first:
            self.add_error("until", _t("The end date must be after the first session."))
        if first and until and until > first + timedelta(weeks=MAX_SESSIONS * 2):
            self.add_error("until", _t("A series can hold at most %(n)s sessions.") % {"n": MAX_SESSIONS})


# --- Actions on one appointment --------------------------------------------------------------------


ONLY_THIS, AND_FOLLOWING = "this", "following"
SCOPE_CHOICES = [
    (ONLY_THIS, _("Only this session")),
    (AND_FOLLOWING, _("This and all following sessions in the series")),
]


class MoveForm(forms.Form):
    date = DateField(widget=DATE, label=_("New date"))
    start_time = forms.TimeField(widget=TIME, label=_("New start time"))
    modality = forms.ChoiceField(
        choices=[("", _("Keep as it is")), *Modality.choices], required=False, label=_("Kind of session")
    )
    scope = forms.ChoiceField(
        choices=SCOPE_CHOICES, required=False, initial=ONLY_THIS, widget=forms.RadioSelect, label=_("Move")
    )
    confirm = forms.BooleanField(
        required=False, label=_("Move anyway"), help_text=_("I have read the warnings above and want this time.")
    )

    def __init__(self, *args, zone: zoneinfo.ZoneInfo, series: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = zone
        self.fields["start_time"].label = _t("New start time (%(zone)s)") % {"zone": zone.key}
        if not series:
            del self.fields["scope"]

    def clean(self):
        data = super().clean()
        data["start"] = _aware(self, data.get("date"), data.get("start_time"), "start_time", self.zone)
        return data


class CancelForm(forms.Form):
    late = forms.BooleanField(
        required=False,
        label=_("The client cancelled late"),
        help_text=_("Recorded as a late cancellation under the practice's policy."),
    )
    scope = forms.ChoiceField(
        choices=SCOPE_CHOICES, required=False, initial=ONLY_THIS, widget=forms.RadioSelect, label=_("Cancel")
    )

    def __init__(self, *args, series: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not series:
            del self.fields["scope"]


class MarkForm(forms.Form):
    status = forms.ChoiceField(
        choices=[
            ("attended", _("Attended")),
            ("no_show", _("No-show")),
            ("late_cancelled", _("Cancelled late")),  # corrections of a mark (services.appointment_mark)
            ("cancelled", _("Cancelled")),
        ]
    )


# --- Availability ---------------------------------------------------------------------------------

GRID_CHOICES = [(15, _("Every 15 minutes")), (30, _("On the half hour")), (60, _("On the hour"))]


class BookingRulesForm(forms.ModelForm):
    slot_grid_minutes = forms.TypedChoiceField(choices=GRID_CHOICES, coerce=int, label=_("Sessions start"))

    class Meta:
        model = BookingRules
        fields = [
            "session_minutes",
            "buffer_minutes",
            "slot_grid_minutes",
            "min_notice_hours",
            "max_days_ahead",
            "late_cancel_hours",
            "offers_in_person",
            "offers_video",
            "offers_phone",
            "video_link",
        ]
        labels = {
            "session_minutes": _("Session length (minutes)"),
            "buffer_minutes": _("Break between sessions (minutes)"),
            "min_notice_hours": _("Clients book at least this many hours ahead"),
            "max_days_ahead": _("Clients book at most this many days ahead"),
            "late_cancel_hours": _("Cancelling less than this many hours before is late"),
            "offers_in_person": _("Offer in-person sessions"),
            "offers_video": _("Offer video sessions"),
            "offers_phone": _("Offer phone sessions"),
        }

    def clean_session_minutes(self):
        minutes = self.cleaned_data["session_minutes"]
        if not 15 <= minutes <= 240:
            raise forms.ValidationError(_t("Between 15 and 240 minutes."))
        return minutes

    def clean(self):
        data = super().clean()
        if not any(data.get(f) for f in ("offers_in_person", "offers_video", "offers_phone")):
            raise forms.ValidationError(_t("Offer at least one kind of session."))
        return data


class WorkingHoursForm(forms.Form):
    weekday = forms.TypedChoiceField(choices=WorkingHours.Weekday.choices, coerce=int, label=_("Day"))
    start = forms.TimeField(widget=TIME, label=_("From"))
    end = forms.TimeField(widget=TIME, label=_("To"))

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            self.add_error("end", _t("The end must be after the start."))
        return data


class TimeOffForm(forms.Form):
    start_date = DateField(widget=DATE, label=_("From (date)"))
    start_time = forms.TimeField(
        widget=TIME, required=False, label=_("From (time)"), help_text=_("Blank: the start of the day.")
    )
    end_date = DateField(widget=DATE, label=_("To (date)"))
    end_time = forms.TimeField(
        widget=TIME, required=False, label=_("To (time)"), help_text=_("Blank: the end of the day.")
    )
    label = forms.CharField(
        max_length=80,
        required=False,
        label=_("Label"),
        help_text=_('Neutral words only, e.g. "Holiday" or "Training".'),
    )

    def __init__(self, *args, zone: zoneinfo.ZoneInfo, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = zone
        for name in ("start_time", "end_time"):
            self.fields[name].label = f"{self.fields[name].label} ({zone.key})"

    def clean(self):
        data = super().clean()
        start_day, end_day = data.get("start_date"), data.get("end_date")
        end_at = data.get("end_time")
        if end_day and end_at is None:
            end_day, end_at = end_day + timedelta(days=1), time.min  # through the whole last day
        data["start"] = _aware(self, start_day, data.get("start_time") or time.min, "start_time", self.zone)
        data["end"] = _aware(self, end_day, end_at, "end_time", self.zone)
        if data["start"] and data["end"] and data["end"] <= data["start"]:
            self.add_error("end_date", _t("The end must be after the start."))
        return data


class ReminderScheduleForm(forms.Form):
    """A reminder schedule: how (email, SMS, both, none) and how many hours before each session."""

    inherit = forms.BooleanField(required=False, label=_("Use the schedule above (no override)"))
    mode = forms.ChoiceField(label=_("Send reminders by"), choices=ReminderSchedule.Mode.choices)
    hours = forms.CharField(
        label=_("Hours before the session"),
        required=False,
        max_length=60,
        help_text=_("Whole hours, separated by commas: 48, 2 sends one two days before and one two hours before."),
    )

    def __init__(self, *args, inheritable: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not inheritable:
            del self.fields["inherit"]

    def clean_hours(self) -> list[int]:
        from sessions_app.reminder_settings import clean_hours

        return clean_hours(self.cleaned_data.get("hours", ""))

    def clean(self) -> dict:
        data = super().clean()
        if data.get("inherit"):
            return data
        if data.get("mode") and data["mode"] != ReminderSchedule.Mode.OFF and "hours" in data and not data["hours"]:
            self.add_error("hours", _t("Give at least one time before the session, or choose no reminders."))
        return data
