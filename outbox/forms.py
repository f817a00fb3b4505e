from django import forms
from django.utils.translation import gettext_lazy as _

from outbox.models import Notification


class OutboxFilterForm(forms.Form):
    status = forms.ChoiceField(required=False, choices=[("", _("Any status")), *Notification.Status.choices])
