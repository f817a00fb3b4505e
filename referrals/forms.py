"""Forms for referrals. Validation only: services do the writes.

Every field has a size limit, so nothing oversized reaches the database or the encryption.
"""

import secrets

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from clients.models import Concern
from practice.forms_support import text_limits
from practice.models import Therapist
from referrals.models import LETTER_MAX_LENGTH, NOTE_MAX_LENGTH, REASON_MAX_LENGTH, Referral, ReferralLetter, Referrer

phone_number = RegexValidator(
    r"^\+?[0-9(][0-9 ()./-]{4,38}$", _("Enter a phone number: digits, spaces and + ( ) - only.")
)
PERSON = {"autocomplete": "off"}  # never autofill the referrer's own details into the person's fields
SPECIALITIES = ["Primary care", "Urology", "Gynaecology", "Oncology", "Endocrinology", "Cardiology", "Obstetrics"]


def _text(label, *, max_length: int, required: bool = True, attrs: dict | None = None, **kwargs) -> forms.CharField:
    return forms.CharField(
        label=label, max_length=max_length, required=required, widget=forms.TextInput(attrs=attrs or {}), **kwargs
    )


@text_limits(contact_notes=500, reason=REASON_MAX_LENGTH)
class ReferralForm(forms.Form):
    """The public referral form. Grouped in three sections; the short ones come first."""

    # About the referrer
    referrer_kind = forms.ChoiceField(label=_("You are a"), choices=[("", _("Choose…")), *Referrer.Kind.choices])
    referrer_speciality = _text(
        _("Speciality"),
        max_length=100,
        required=False,
        help_text=_("Physicians: e.g. primary care, urology."),
        attrs={"list": "specialities", "autocomplete": "off"},
    )
    referrer_name = _text(_("Your name"), max_length=150, attrs={"autocomplete": "name"})
    referrer_organisation = _text(
        _("Practice, clinic or congregation"), max_length=150, required=False, attrs={"autocomplete": "organization"}
    )
    referrer_email = forms.EmailField(
        label=_("Your email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "inputmode": "email"}),
        help_text=_("We send the acknowledgement here, and recognise you next time by it."),
    )
    referrer_phone = _text(
        _("Your phone"),
        max_length=40,
        required=False,
        validators=[phone_number],
        attrs={"autocomplete": "tel", "type": "tel", "inputmode": "tel"},
    )

    # The person or couple referred
    kind = forms.ChoiceField(
        label=_("Referring"), choices=Referral.Kind.choices, initial=Referral.Kind.INDIVIDUAL, widget=forms.RadioSelect
    )
    first_name = _text(_("First name"), max_length=100, attrs=PERSON)
    last_name = _text(_("Last name"), max_length=100, attrs=PERSON)
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={**PERSON, "inputmode": "email"}),
    )
    phone = _text(
        _("Phone"),
        max_length=40,
        required=False,
        validators=[phone_number],
        attrs={**PERSON, "type": "tel", "inputmode": "tel"},
    )
    partner_first_name = _text(_("Partner's first name"), max_length=100, required=False, attrs=PERSON)
    partner_last_name = _text(_("Partner's last name"), max_length=100, required=False, attrs=PERSON)
    partner_email = forms.EmailField(
        label=_("Partner's email"),
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={**PERSON, "inputmode": "email"}),
    )
    partner_phone = _text(
        _("Partner's phone"),
        max_length=40,
        required=False,
        validators=[phone_number],
        attrs={**PERSON, "type": "tel", "inputmode": "tel"},
    )
    preferred_contact = forms.ChoiceField(
        label=_("Best way to contact them"),
        choices=Referral.ContactMethod.choices,
        initial=Referral.ContactMethod.PHONE,
        widget=forms.RadioSelect,
    )
    contact_notes = forms.CharField(
        label=_("Contact notes"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={**PERSON, "rows": 2}),
        help_text=_("Optional: good times to call, whether a message may be left."),
    )

    # The referral
    reason = forms.CharField(
        label=_("Reason for referral"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("In your own words."),
    )
    concerns = forms.ModelMultipleChoiceField(
        label=_("Concerns (optional)"),
        queryset=Concern.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"),
        choices=Referral.Urgency.choices,
        initial=Referral.Urgency.ROUTINE,
        widget=forms.RadioSelect,
    )
    preferred_therapist = forms.ModelChoiceField(
        label=_("Preferred therapist (optional)"),
        queryset=Therapist.objects.filter(accepts_new_clients=True, user__is_active=True),
        required=False,
        empty_label=_("No preference"),
    )
    consent = forms.BooleanField(
        label=_(
            "The person referred (for a couple, both partners) agreed to this referral and to be contacted "
            "by the practice."
        ),
        error_messages={"required": _("Please confirm that the person agreed to be referred.")},
    )
    # Honeypot: hidden from people and screen readers; bots fill it in.
    website = forms.CharField(label=_("Leave this empty"), max_length=200, required=False)

    def clean(self):
        data = super().clean()
        if data.get("kind") == Referral.Kind.COUPLE:
            for name in ("partner_first_name", "partner_last_name"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, _("For a couple, give both partners' names."))
        method = data.get("preferred_contact")
        if method == Referral.ContactMethod.EMAIL and not data.get("email") and "email" not in self.errors:
            self.add_error("email", _("Give an email address, or choose another way to contact them."))
        by_phone = method in (Referral.ContactMethod.PHONE, Referral.ContactMethod.SMS)
        if by_phone and not data.get("phone") and "phone" not in self.errors:
            self.add_error("phone", _("Give a phone number, or choose another way to contact them."))
        return data

    def submission(self) -> dict:
        """The cleaned data as `services.referral_submit` takes it."""
        data = dict(self.cleaned_data)
        names = [name for name in data if name.startswith("referrer_")]
        referrer = {name.removeprefix("referrer_"): data.pop(name) for name in names}
        for name in ("consent", "website"):
            data.pop(name)
        return {"referrer": referrer, **data}


class TriageFilterForm(forms.Form):
    status = forms.ChoiceField(
        required=False, choices=[("open", _("Open")), ("all", _("All")), *Referral.Status.choices]
    )
    urgency = forms.ChoiceField(required=False, choices=[("", _("Any urgency")), *Referral.Urgency.choices])
    referrer = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


@text_limits(note=NOTE_MAX_LENGTH)
class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note (optional)"), max_length=NOTE_MAX_LENGTH, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


@text_limits(reason=NOTE_MAX_LENGTH)
class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for declining"), max_length=NOTE_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 2})
    )


@text_limits(note=NOTE_MAX_LENGTH)
class ReferOnForm(forms.Form):
    note = forms.CharField(
        label=_("Referred on to (provider) and why"),
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AcceptForm(forms.Form):
    therapist = forms.ModelChoiceField(
        label=_("Therapist"),
        queryset=Therapist.objects.filter(user__is_active=True).select_related("user"),
        empty_label=None,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["therapist"].label_from_instance = lambda t: (
            t.display_name if t.accepts_new_clients else f"{t.display_name} (not taking new clients)"
        )


@text_limits(body=LETTER_MAX_LENGTH)
class LetterForm(forms.Form):
    """A letter to the referrer. Clergy letters have no editable body: the text is fixed."""

    kind = forms.ChoiceField(label=_("Letter"), choices=ReferralLetter.Kind.choices, widget=forms.RadioSelect)
    body = forms.CharField(
        label=_("Text"),
        max_length=LETTER_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_("Edit before sending. Share only what the client's consent covers."),
    )
    token = forms.CharField(max_length=64, widget=forms.HiddenInput, validators=[RegexValidator(r"^[0-9a-f]{16,64}$")])

    def __init__(self, *args, kinds: list[tuple[str, str]], editable: bool = True, partial: str = "", **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("token", secrets.token_hex(16))
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds
        if partial:  # a couple where only `partial` released information to this referrer
            self.fields["speaks_of_released_only"] = forms.BooleanField(
                required=True,
                label=_("This letter speaks of %(names)s alone") % {"names": partial},
                help_text=_("Only they released information to this referrer; the other partner did not."),
            )
        if not editable:
            del self.fields["body"]
