"""Forms of the ground floor: the person's own account preferences."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from practice.locale import STYLE_CHOICES


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        help_text=_("Blank follows your browser's language, else the practice's."),
    )
    date_style = forms.ChoiceField(label=_("Dates and times"), required=False, choices=STYLE_CHOICES)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", _("As my browser asks")), *settings.LANGUAGES]
