"""Forms for the therapist's side of the client record. Validation only: services do the writes."""

from django import forms
from django.conf import settings
from django.utils.formats import date_format
from django.utils.timezone import localdate, localtime
from django.utils.translation import gettext_lazy as _

from clients.alerts import NOTE_REQUIRED
from clients.models import NO_SECRETS_REFUSAL, Client, Concern, Consent, Goal, Member, Note, NoteTemplate, RiskAlert
from practice.forms_support import ANSWER_CHARS, NOTE_CHARS, SHORT_CHARS, text_limits
from practice.models import Therapist
from practice.timezones import time_zone_choices

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ClientFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label=_("Search name or reference"))
    status = forms.ChoiceField(required=False, choices=[("", _("Any status")), *Client.Status.choices])
    concern = forms.ModelChoiceField(
        required=False, queryset=Concern.objects.all(), to_field_name="slug", empty_label=_("Any concern")
    )


class ClientForm(forms.ModelForm):
    concerns = forms.ModelMultipleChoiceField(
        queryset=Concern.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    co_therapists = forms.ModelMultipleChoiceField(
        queryset=Therapist.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Co-therapists"),
    )

    class Meta:
        model = Client
        fields = ["kind", "status", "confidentiality_policy", "self_booking", "co_therapists"]
        widgets = {"kind": forms.RadioSelect, "confidentiality_policy": forms.RadioSelect}
        labels = {
            "confidentiality_policy": _("Couple's confidentiality policy"),
            "self_booking": _("Online booking in the portal"),
        }

    field_order = ["kind", "status", "confidentiality_policy", "self_booking", "concerns", "co_therapists"]

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial.setdefault("concerns", self.instance.concerns.ids())  # stored as digests, not a relation
        self.fields["confidentiality_policy"].choices = [("", _("Not set (individuals)")), *Client.Policy.choices]
        if editing:
            self.fields["kind"].disabled = True

    def clean(self):
        data = super().clean()
        if data.get("kind") == Client.Kind.INDIVIDUAL and data.get("confidentiality_policy"):
            self.add_error("confidentiality_policy", _("Only couples have a confidentiality policy."))
        return data


@text_limits(address=SHORT_CHARS, emergency_contact=SHORT_CHARS)
class MemberForm(forms.ModelForm):
    class Meta:
        model = Member
        fields = [
            "first_name",
            "last_name",
            "preferred_name",
            "pronouns",
            "date_of_birth",
            "email",
            "phone",
            "address",
            "emergency_contact",
            "gender_identity",
            "sexual_orientation",
            "time_zone",
            "contact_by_email",
            "contact_by_sms",
            "discreet_wording",
        ]
        widgets = {
            "date_of_birth": DATE,
            "address": forms.Textarea(attrs={"rows": 2}),
            "emergency_contact": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "gender_identity": _("Only where the client chooses to record it."),
            "sexual_orientation": _("Only where the client chooses to record it."),
            "time_zone": _("Type to search. The practice's zone and common zones come first."),
        }

    # The form's sections (templates/clients/_form_sections.html), each in two columns where they fit.
    sections = [
        (_("Name"), ["first_name", "last_name", "preferred_name", "pronouns", "date_of_birth"]),
        (_("Contact"), ["email", "phone", "time_zone", "address", "emergency_contact"]),
        (_("Identity, if the client chooses to record it"), ["gender_identity", "sexual_orientation"]),
        (_("Messages"), ["contact_by_email", "contact_by_sms", "discreet_wording"]),
    ]
    wide = {"address", "emergency_contact"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = self.instance.time_zone if self.instance.pk else ""
        self.fields["time_zone"].widget = forms.Select(choices=time_zone_choices(current))
        if not self.instance.pk:
            self.initial.setdefault("time_zone", settings.TIME_ZONE)  # a new client: the practice's zone

    def grouped(self) -> list[tuple[str, list]]:
        return [(title, [self[name] for name in names if name in self.fields]) for title, names in self.sections]


REVIEW_IN_THE_PAST = _(
    "The review date %(date)s is already past (today is %(today)s). Choose today or a later date, or leave "
    "it empty; nothing else you typed was lost."
)


@text_limits(text=SHORT_CHARS)
class GoalForm(forms.ModelForm):
    class Meta:
        model = Goal
        fields = ["text", "status", "review_on", "shared_with_client"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3}), "review_on": DATE}

    def clean_review_on(self):
        """A review is planned ahead: a date already past is refused, unless it is the date the goal
        already had (editing an overdue goal's text must not force a new date on it)."""
        review_on = self.cleaned_data.get("review_on")
        if review_on is None or review_on == self.instance.review_on:
            return review_on
        today = localdate()
        if review_on < today:
            raise forms.ValidationError(
                REVIEW_IN_THE_PAST % {"date": date_format(review_on, "j F Y"), "today": date_format(today, "j F Y")}
            )
        return review_on


@text_limits(body=NOTE_CHARS)
class NoteForm(forms.ModelForm):
    class Meta:
        model = Note
        fields = ["kind", "template", "appointment", "session_date", "about_member", "joint_use", "body"]
        # The template is chosen above the form (templates/clients/note_form.html): here it is only
        # carried along, so the saved note records which skeleton it started from.
        widgets = {
            "session_date": DATE,
            "body": forms.Textarea(attrs={"rows": 16, "data-note-body": ""}),
            "template": forms.HiddenInput(attrs={"data-note-template": ""}),
        }
        labels = {
            "about_member": _("Individual session with"),
            "joint_use": _("In joint sessions"),
            "appointment": _("For the session"),
        }

    def __init__(self, *args, client: Client, **kwargs):
        super().__init__(*args, **kwargs)
        self.client = client
        members = client.members.order_by("position")
        self.fields["about_member"].queryset = members
        self.fields["about_member"].label_from_instance = lambda m: m.display_name
        self.fields["about_member"].empty_label = _("Joint session / not applicable")
        self.fields["appointment"].queryset = client.appointments.order_by("-start")
        self.fields["appointment"].label_from_instance = lambda a: date_format(localtime(a.start), "D j M Y, H:i")
        self.fields["appointment"].empty_label = _("Not tied to a session")
        self.fields["template"].queryset = NoteTemplate.objects.filter(active=True)
        if not client.is_couple:
            del self.fields["about_member"]
            del self.fields["joint_use"]
        elif client.confidentiality_policy == Client.Policy.NO_SECRETS:
            # Under "no secrets" keeping a note out of joint sessions is not a choice (the service refuses it too).
            self.fields["joint_use"].choices = [
                c for c in self.fields["joint_use"].choices if c[0] != Note.JointUse.KEEP_PRIVATE
            ]
            self.fields["joint_use"].error_messages["invalid_choice"] = NO_SECRETS_REFUSAL

    def clean(self):
        data = super().clean()
        if data.get("about_member") and not data.get("joint_use"):
            self.add_error("joint_use", _("Say whether this individual session may be raised in joint sessions."))
        return data


@text_limits(body=NOTE_CHARS)
class AddendumForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label=_("Addendum"))


@text_limits(follow_up_note=RiskAlert.FOLLOW_UP_MAX_LENGTH)
class RiskAlertAcknowledgeForm(forms.Form):
    follow_up_note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        label=_("What you did to follow this up"),
        help_text=_("Required: the alert stays open until it is written."),
        error_messages={"required": NOTE_REQUIRED},
    )


class ConsentForm(forms.Form):
    member = forms.ModelChoiceField(queryset=Member.objects.none(), label=_("Given by"))
    kind = forms.ChoiceField(choices=Consent.Kind.choices)
    # The referrer model belongs to the referrals app, above this one: reached through the
    # consent's own foreign key rather than an import.
    referrer = forms.ModelChoiceField(
        queryset=Consent._meta.get_field("referrer").related_model.objects.all(),
        required=False,
        help_text=_("For a release of information only."),
    )

    def __init__(self, *args, client: Client, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = client.members.order_by("position")
        self.fields["member"].label_from_instance = lambda m: m.display_name
        # Enough to tell two referrers of the same name apart: organisation, kind and address.
        self.fields["referrer"].label_from_instance = lambda r: " · ".join(
            part for part in (r.name, r.organisation, r.get_kind_display(), r.email) if part
        )

    def clean(self):
        data = super().clean()
        if data.get("kind") == Consent.Kind.RELEASE and not data.get("referrer"):
            self.add_error("referrer", _("Name the referrer the information may be released to."))
        if data.get("kind") != Consent.Kind.RELEASE and data.get("referrer"):
            self.add_error("referrer", _("Only a release of information names a referrer."))
        return data


@text_limits(body=ANSWER_CHARS)
class NoteTemplateForm(forms.ModelForm):
    class Meta:
        model = NoteTemplate
        fields = ["name", "note_kind", "body", "position", "active"]
        widgets = {"body": forms.Textarea(attrs={"rows": 10})}
        help_texts = {"body": _("Headings and prompts only: this text is not encrypted, so nothing about a client.")}
