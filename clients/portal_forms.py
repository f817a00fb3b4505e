"""Forms for the client's own pages in the portal. Validation only: services do the writes.

Labels and help texts speak to the client, not to the therapist.
"""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from clients.models import Concern, Consent, IntakeResponse, Member
from practice.forms_support import ANSWER_CHARS, SHORT_CHARS, text_limits
from practice.timezones import time_zone_choices

_PHONE = re.compile(r"^\+?[\d\s().-]{6,40}$")


@text_limits(address=SHORT_CHARS, emergency_contact=SHORT_CHARS)
class ProfileForm(forms.ModelForm):
    """The member's own contact details and preferences. Names and date of birth are the practice's."""

    time_zone = forms.ChoiceField(
        choices=time_zone_choices,
        label=_("Your time zone"),
        help_text=_(
            "Session times and dates in the portal and in messages are shown in this zone. Type to search: "
            "the practice's zone and common zones come first."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = time_zone_choices(self.instance.time_zone)  # an old zone stays valid

    class Meta:
        model = Member
        fields = [
            "preferred_name",
            "pronouns",
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
        labels = {
            "preferred_name": _("Name you would like us to use"),
            "pronouns": _("Pronouns"),
            "email": _("Email address for messages"),
            "phone": _("Mobile phone number"),
            "address": _("Postal address"),
            "emergency_contact": _("Emergency contact"),
            "gender_identity": _("Gender identity (optional)"),
            "sexual_orientation": _("Sexual orientation (optional)"),
            "contact_by_email": _("Send me messages by email"),
            "contact_by_sms": _("Send me text messages (SMS)"),
            "discreet_wording": _("Use discreet wording"),
        }
        help_texts = {
            "preferred_name": _("Leave empty to be called by your first name."),
            "pronouns": _("For example she/her, he/him, they/them. Optional."),
            "email": _("Where the practice writes to you. The address you sign in with stays the same."),
            "phone": _("Include the country code if you live abroad, e.g. +44 7700 900123."),
            "emergency_contact": _("Name, relationship to you and phone number. Only used in an emergency."),
            "gender_identity": _(
                "Entirely optional. Fill it in only if you would like your therapist to know; you can also "
                "talk about it in a session instead."
            ),
            "sexual_orientation": _("Entirely optional, in your own words. Leave it empty if you prefer not to say."),
            "discreet_wording": _(
                "Messages will not mention therapy or sex in subjects and texts, in case someone else sees "
                "your phone or inbox."
            ),
        }
        widgets = {
            "address": forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"}),
            "emergency_contact": forms.Textarea(attrs={"rows": 2}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
        }

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        if phone and not _PHONE.match(phone):
            raise ValidationError(_("Enter a phone number with digits only (spaces, +, - and brackets are fine)."))
        return phone

    def clean(self) -> dict:
        data = super().clean()
        if data.get("contact_by_email") and not data.get("email") and "email" not in self.errors:
            self.add_error("email", _("Add an email address, or untick “Send me messages by email”."))
        if data.get("contact_by_sms") and not data.get("phone") and "phone" not in self.errors:
            self.add_error("phone", _("Add a mobile number, or untick “Send me text messages”."))
        return data


INTAKE_ANSWERS = (
    "concerns_in_own_words",
    "hopes",
    "relationship_history",
    "sexual_history",
    "medical_conditions",
    "medications",
    "prior_therapy",
    "risk_details",
)
_RISK_HELP = _("Choose “Not sure” if you would rather talk about it in person.")


@text_limits(**dict.fromkeys(INTAKE_ANSWERS, ANSWER_CHARS))
class IntakeForm(forms.ModelForm):
    """The questionnaire. Everything is optional for a draft; sending needs the three safety answers."""

    concerns = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("What would you like help with?"),
        help_text=_("Tick any that apply. You can also say it in your own words below."),
    )
    risk_self_harm = forms.ChoiceField(
        required=False,
        choices=IntakeResponse.Risk.choices,
        widget=forms.RadioSelect,
        help_text=_RISK_HELP,
        label=_("In the past month, have you had thoughts of harming yourself or ending your life?"),
    )
    risk_harm_to_others = forms.ChoiceField(
        required=False,
        choices=IntakeResponse.Risk.choices,
        widget=forms.RadioSelect,
        help_text=_RISK_HELP,
        label=_("In the past month, have you had thoughts of harming someone else?"),
    )
    risk_unsafe_at_home = forms.ChoiceField(
        required=False,
        choices=IntakeResponse.Risk.choices,
        widget=forms.RadioSelect,
        help_text=_RISK_HELP,
        label=_("Do you ever feel unsafe at home or in a relationship?"),
    )

    RISK_FIELDS = ("risk_self_harm", "risk_harm_to_others", "risk_unsafe_at_home")

    class Meta:
        model = IntakeResponse
        fields = [
            "concerns",
            "concerns_in_own_words",
            "hopes",
            "relationship_history",
            "sexual_history",
            "medical_conditions",
            "medications",
            "prior_therapy",
            "risk_self_harm",
            "risk_harm_to_others",
            "risk_unsafe_at_home",
            "risk_details",
        ]
        labels = {
            "concerns_in_own_words": _("In your own words, what brings you here?"),
            "hopes": _("What would you like to be different when we finish working together?"),
            "relationship_history": _("Your relationships"),
            "sexual_history": _("Your sexual history"),
            "medical_conditions": _("Health conditions"),
            "medications": _("Medications"),
            "prior_therapy": _("Counselling or therapy before"),
            "risk_details": _("Anything you would like to add about these three questions"),
        }
        help_texts = {
            "relationship_history": _(
                "Your current relationship, and past ones that matter to you. Share only what you are comfortable with."
            ),
            "sexual_history": _(
                "Anything you think your therapist should know. It is fine to leave this for the first session."
            ),
            "medical_conditions": _("Physical or mental health conditions, including any being looked into now."),
            "medications": _(
                "Everything you take regularly, including contraception and hormones: some medicines affect "
                "desire and arousal."
            ),
            "prior_therapy": _("When, what kind, and what helped or did not help."),
        }
        widgets = {name: forms.Textarea(attrs={"rows": 4}) for name in INTAKE_ANSWERS}

    def __init__(self, *args, submitting: bool = False, **kwargs):
        kept = kwargs.get("initial") or {}  # a draft's answers (practice/drafts.py) win over the stored ones
        super().__init__(*args, **kwargs)
        self.submitting = submitting
        self._concerns = list(Concern.objects.order_by("order", "name"))
        self.fields["concerns"].choices = [(c.slug, c.name) for c in self._concerns]
        if not self.is_bound and self.instance.pk and "concerns" not in kept:
            self.initial["concerns"] = self.instance.concern_slugs

    def clean_concerns(self) -> str:
        return ",".join(self.cleaned_data["concerns"])

    def clean(self) -> dict:
        data = super().clean()
        if self.submitting:
            for name in self.RISK_FIELDS:
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, _("Please answer this before sending. “Not sure” is a fine answer."))
        return data

    def concern_groups(self) -> list[tuple[str, list]]:
        """The concern checkboxes grouped as the taxonomy groups them, for a readable page."""
        widgets = {str(w.data["value"]): w for w in self["concerns"]}
        groups: dict[str, list] = {}
        for concern in self._concerns:
            groups.setdefault(concern.get_group_display(), []).append(widgets[concern.slug])
        return list(groups.items())


def intake_answers(intake: IntakeResponse) -> list[tuple[str, str]]:
    """(question, answer) pairs for showing a sent questionnaire read-only, in the form's order."""
    form = IntakeForm(instance=intake)
    names = dict(form.fields["concerns"].choices)
    answers = [(form.fields["concerns"].label, ", ".join(names.get(s, s) for s in intake.concern_slugs))]
    risk = dict(IntakeResponse.Risk.choices)
    for name in IntakeForm.Meta.fields[1:]:
        value = getattr(intake, name)
        answers.append((form.fields[name].label, risk.get(value, value) if name in form.RISK_FIELDS else value))
    return answers


# What each consent means, in the client's words.
CONSENT_EXPLANATIONS = {
    Consent.Kind.TREATMENT: _("Agreement to work with your therapist. Given with your therapist in a session."),
    Consent.Kind.TELEHEALTH: _("Sessions by video, from a private place of your choosing."),
    Consent.Kind.REMINDERS_EMAIL: _("Appointment reminders by email, worded as you chose in your profile."),
    Consent.Kind.REMINDERS_SMS: _("Appointment reminders by text message, worded as you chose in your profile."),
    Consent.Kind.RELEASE: _(
        "Your therapist may send a short word back to the professional named. Given with your therapist."
    ),
}

NOT_IN_PORTAL = _(
    "Consent to treatment and to releasing information is given with your therapist in a session, not here."
)


class ConsentGrantForm(forms.Form):
    kind = forms.ChoiceField(choices=Consent.Kind.choices, widget=forms.HiddenInput)

    def __init__(self, *args, member: Member, **kwargs):
        super().__init__(*args, **kwargs)
        self.member = member

    def clean_kind(self) -> str:
        kind = self.cleaned_data["kind"]
        if kind not in Consent.PORTAL_KINDS:
            raise ValidationError(NOT_IN_PORTAL)
        if kind == Consent.Kind.REMINDERS_SMS and not self.member.phone:
            raise ValidationError(_("Add a mobile number in your profile first, so reminders have somewhere to go."))
        if kind == Consent.Kind.REMINDERS_EMAIL and not self.member.email:
            raise ValidationError(_("Add an email address in your profile first, so reminders have somewhere to go."))
        return kind
