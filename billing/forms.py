"""Billing forms: validation of what was typed only; the services decide the rest."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from billing import selectors
from billing.models import BillingParty, Payment
from practice.forms_support import SHORT_CHARS, text_limits

REASON_CHARS = 500


class AmountField(forms.DecimalField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 10)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", Decimal("0.01"))
        kwargs.setdefault(
            "error_messages",
            {
                "min_value": _("Enter an amount of more than zero."),
                "max_decimal_places": _("Enter pounds and pence, at most two decimal places."),
                "invalid": _("Enter an amount such as 90 or 90.50."),
            },
        )
        super().__init__(**kwargs)


class DateInput(forms.DateInput):
    """A browser date picker: it shows a value only in ISO form, whatever the locale."""

    input_type = "date"

    def __init__(self, attrs=None, format="%Y-%m-%d"):
        super().__init__(attrs, format=format)


class PaymentForm(forms.Form):
    amount = AmountField(label=_("Amount"))
    method = forms.ChoiceField(choices=Payment.Method.choices, label=_("How it was paid"))
    received_on = forms.DateField(label=_("Received on"), widget=DateInput)
    payer = forms.ModelChoiceField(queryset=None, required=False, label=_("Paid by"), empty_label=_("A third party"))
    reference = forms.CharField(max_length=40, required=False, label=_("Reference (a cheque number, a bank reference)"))
    charges = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Apply to (leave empty for oldest first)"),
    )
    keep_as_credit = forms.BooleanField(required=False, label=_("Keep the rest as credit"))

    def __init__(self, *args, client, **kwargs):
        kwargs.setdefault("initial", {"received_on": selectors.today()})
        super().__init__(*args, **kwargs)
        self.fields["payer"].queryset = client.members.order_by("position")
        _kind, payer = selectors.payers(client)
        self.fields["payer"].initial = payer  # who the charges are billed to, unless told otherwise
        self.fields["payer"].label_from_instance = lambda m: m.display_name
        self.fields["charges"].queryset = selectors.open_charges(client).select_related("service")
        self.fields["charges"].label_from_instance = lambda c: f"{c.charged_on:%d %b %Y} {c.service.code}"


@text_limits(reason=REASON_CHARS)
class RefundForm(forms.Form):
    amount = AmountField(label=_("Amount"))
    method = forms.ChoiceField(choices=Payment.Method.choices, label=_("Paid back by"))
    refunded_on = forms.DateField(label=_("Refunded on"), widget=DateInput)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label=_("Reason"))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"refunded_on": selectors.today()})
        super().__init__(*args, **kwargs)


@text_limits(reason=REASON_CHARS)
class WriteOffForm(forms.Form):
    amount = AmountField(label=_("Amount"))
    written_off_on = forms.DateField(label=_("On"), widget=DateInput)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label=_("Reason"))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"written_off_on": selectors.today()})
        super().__init__(*args, **kwargs)


@text_limits(reason=REASON_CHARS)
class VoidForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label=_("Why is it void?"))


@text_limits(third_party_address=SHORT_CHARS)
class BillingPartyForm(forms.Form):
    kind = forms.ChoiceField(choices=BillingParty.Kind.choices, label=_("Who pays"))
    member = forms.ModelChoiceField(queryset=None, required=False, label=_("The person who pays"))
    share_percent = forms.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=0,
        max_value=100,
        initial=50,
        required=False,
        label=_("The first partner's share, per cent (when both pay)"),
    )
    third_party_name = forms.CharField(max_length=200, required=False, label=_("Third party's name"))
    third_party_address = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, label=_("Address"))

    def __init__(self, *args, client, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = client.members.order_by("position")
        self.fields["member"].label_from_instance = lambda m: m.display_name
        if not client.is_couple:
            self.fields["kind"].choices = [c for c in BillingParty.Kind.choices if c[0] != BillingParty.Kind.SPLIT]

    def clean_share_percent(self):
        value = self.cleaned_data.get("share_percent")
        return Decimal(50) if value is None else value


class ServiceForm(forms.Form):
    service = forms.ModelChoiceField(queryset=selectors.active_services(), label=_("Charged as"))


class InvoiceIssueForm(forms.Form):
    """Either the open charges chosen, or a period (every open charge dated in it not yet invoiced)."""

    charges = forms.ModelMultipleChoiceField(
        queryset=None, required=False, widget=forms.CheckboxSelectMultiple, label=_("Charges to invoice")
    )
    period_start = forms.DateField(required=False, label=_("Or a period: from"), widget=DateInput)
    period_end = forms.DateField(required=False, label=_("to"), widget=DateInput)

    def __init__(self, *args, client, **kwargs):
        kwargs.setdefault("auto_id", "id_invoice_%s")
        super().__init__(*args, **kwargs)
        self.fields["charges"].queryset = selectors.uninvoiced_charges(client)
        self.fields["charges"].label_from_instance = lambda c: (
            f"{c.charged_on:%d %b %Y} · {selectors.describe(c.service)} · {c.amount}"
        )

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if data.get("charges"):
            return {"charges": list(data["charges"]), "period": None}
        if start and end:
            return {"charges": (), "period": (start, end)}
        raise forms.ValidationError(_("Choose the charges to invoice, or a period with its first and last day."))


class StatementForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=DateInput)
    end = forms.DateField(label=_("To"), widget=DateInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_statement_%s")
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError(_("The period ends before it starts."))
        return data
