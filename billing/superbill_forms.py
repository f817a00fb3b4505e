"""Forms for diagnoses, superbills and good-faith estimates: validation of what was typed only."""

from django import forms
from django.utils.translation import gettext_lazy as _

from billing.forms import AmountField, DateInput
from billing.icd10 import CHOICES
from billing.selectors import active_services
from billing.superbill_services import MAX_LINES, PERIOD_ORDER

ESTIMATE_ROWS = 3


def _for_member(field, client) -> None:
    """The unit's members, by name; an individual's only member is chosen already."""
    members = list(client.members.order_by("position"))
    field.queryset = client.members.order_by("position")
    field.label_from_instance = lambda member: member.display_name
    if len(members) == 1:
        field.initial = members[0].pk
        field.empty_label = None


class DiagnosisForm(forms.Form):
    member = forms.ModelChoiceField(queryset=None, label=_("For"))
    code = forms.ChoiceField(choices=CHOICES, label=_("ICD-10 code"))

    def __init__(self, *args, client, **kwargs):
        super().__init__(*args, **kwargs)
        _for_member(self.fields["member"], client)


class PeriodForm(forms.Form):
    member = forms.ModelChoiceField(queryset=None, label=_("For"))
    period_start = forms.DateField(label=_("From"), widget=DateInput)
    period_end = forms.DateField(label=_("To"), widget=DateInput)

    def __init__(self, *args, client, **kwargs):
        super().__init__(*args, **kwargs)
        _for_member(self.fields["member"], client)

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", PERIOD_ORDER)
        return data


class EstimateForm(PeriodForm):
    """The period and up to `ESTIMATE_ROWS` lines: a service, how many, and a unit fee (empty: the
    client's fee today)."""

    def __init__(self, *args, client, **kwargs):
        super().__init__(*args, client=client, **kwargs)
        for row in range(min(ESTIMATE_ROWS, MAX_LINES)):
            self.fields[f"service_{row}"] = forms.ModelChoiceField(
                queryset=active_services(), required=False, label=_("Service")
            )
            self.fields[f"quantity_{row}"] = forms.IntegerField(
                min_value=1, max_value=200, required=False, label=_("How many")
            )
            self.fields[f"fee_{row}"] = AmountField(required=False, label=_("Fee each (empty: the client's fee)"))

    def clean(self):
        data = super().clean()
        lines = []
        for row in range(ESTIMATE_ROWS):
            service, quantity = data.get(f"service_{row}"), data.get(f"quantity_{row}")
            if service and not quantity:
                self.add_error(f"quantity_{row}", _("Say how many."))
            elif quantity and not service:
                self.add_error(f"service_{row}", _("Choose a service."))
            elif service:
                lines.append((service, quantity, data.get(f"fee_{row}")))
        if not lines and not self.errors:
            raise forms.ValidationError(_("Add at least one service with a quantity."))
        data["lines"] = lines
        return data
