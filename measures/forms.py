"""Validation only: assigning an instrument, answering one (built from its definition), uploading one."""

import json

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from measures import definitions
from measures.models import MeasureAssignment

MAX_DEFINITION_BYTES = 200_000


class AssignForm(forms.Form):
    instrument = forms.ChoiceField(label=_("Instrument"))
    who = forms.ChoiceField(label=_("For"))
    schedule = forms.ChoiceField(label=_("When"), choices=MeasureAssignment.Schedule.choices)
    every = forms.IntegerField(label=_("N (sessions or weeks)"), min_value=1, max_value=52, initial=1, required=False)

    def __init__(self, *args, client, **kwargs):
        super().__init__(*args, **kwargs)
        self.client = client
        self.members = {str(m.pk): m for m in client.members.order_by("position")}
        self.fields["instrument"].choices = [(d["slug"], f"{d['name']}: {d['title']}") for d in definitions.available()]
        who = [("", _("Both partners") if client.is_couple else _("The client"))]
        if client.is_couple:
            who += [(pk, m.display_name) for pk, m in self.members.items()]
        self.fields["who"].choices = who
        self.fields["who"].required = False

    def clean(self):
        data = super().clean()
        needs_n = data.get("schedule") in (
            MeasureAssignment.Schedule.EVERY_N_SESSIONS,
            MeasureAssignment.Schedule.EVERY_N_WEEKS,
        )
        if needs_n and not data.get("every"):
            self.add_error("every", _("Say how many sessions or weeks apart."))
        data["member"] = self.members.get(data.get("who") or "")
        return data


class AnswersForm(forms.Form):
    """One radio group per item of the instrument; an unanswered item is allowed here (the scoring
    rule decides whether the answers can be scored) and kept as it was typed when refused."""

    def __init__(self, *args, definition: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.definition = definition
        for item in definition["items"]:
            options = definitions.options_of(definition, item)
            label = f"{item['id']}. {item['text']}"
            self.fields[f"item_{item['id']}"] = forms.TypedChoiceField(
                label=label,
                choices=[(str(o["value"]), o["label"]) for o in options],
                widget=forms.RadioSelect,
                required=False,
            )

    def answers(self) -> dict[str, str | None]:
        return {item["id"]: self.cleaned_data.get(f"item_{item['id']}") or None for item in self.definition["items"]}

    def item_fields(self):
        return [(item, self[f"item_{item['id']}"]) for item in self.definition["items"]]


class DefinitionUploadForm(forms.Form):
    file = forms.FileField(label=_("Definition file (JSON)"))
    licence_note = forms.CharField(label=_("Licence"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_DEFINITION_BYTES:
            raise ValidationError(_("The file is too large for a definition (200 kB at most)."))
        try:
            data = json.loads(upload.read().decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as error:
            raise ValidationError(_("The file is not valid JSON: %(error)s") % {"error": error}) from None
        try:
            return definitions.validate_definition(data)
        except definitions.DefinitionError as error:
            raise ValidationError(error.messages) from None
