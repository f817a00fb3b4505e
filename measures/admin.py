"""Admin: the practice's licensed instruments, added by uploading a definition file (validated
against the schema, every problem named). Answers and scores are not in the admin: clinical."""

import json

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from measures import definitions
from measures.forms import MAX_DEFINITION_BYTES
from measures.models import InstrumentDefinition


class InstrumentDefinitionForm(forms.ModelForm):
    file = forms.FileField(
        label=_("Definition file (JSON)"),
        required=False,
        help_text=_("The schema is described in measures/definitions.py; measures/instruments/ holds examples."),
    )

    class Meta:
        model = InstrumentDefinition
        fields = ["licence_note", "active"]

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload is None:
            if self.instance.pk is None:
                raise ValidationError(_("Choose the instrument's definition file."))
            return None
        if upload.size > MAX_DEFINITION_BYTES:
            raise ValidationError(_("The file is too large for a definition (200 kB at most)."))
        try:
            data = json.loads(upload.read().decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as error:
            raise ValidationError(_("The file is not valid JSON: %(error)s") % {"error": error}) from None
        try:
            data = definitions.validate_definition(data)
        except definitions.DefinitionError as error:
            raise ValidationError(error.messages) from None
        if data["slug"] in definitions.shipped():
            raise ValidationError(_("%(slug)s is a shipped instrument: give the file another slug.") % data)
        clash = InstrumentDefinition.objects.filter(slug=data["slug"]).exclude(pk=self.instance.pk)
        if clash.exists():
            raise ValidationError(_("An instrument with the slug %(slug)s is already there: edit that one.") % data)
        return data


@admin.register(InstrumentDefinition)
class InstrumentDefinitionAdmin(admin.ModelAdmin):
    form = InstrumentDefinitionForm
    list_display = ["slug", "active", "updated_at"]
    readonly_fields = ["slug", "uploaded_by"]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data.get("file")
        if data is not None:
            obj.slug, obj.definition = data["slug"], data
        if not change:
            obj.uploaded_by = request.user
        super().save_model(request, obj, form, change)
