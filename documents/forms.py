"""Forms for signing, recording a paper copy, requesting a signature and publishing a version."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from documents.models import SCAN_EXTENSIONS, DocumentVersion
from documents.releases import referrers_for
from documents.selectors import applicable_versions

SCAN_MAX_BYTES = 10 * 1024 * 1024
# What each allowed type starts with: a file named .pdf that is not a PDF is refused.
SCAN_SIGNATURES = (b"%PDF-", b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")


class SignForm(forms.Form):
    typed_name = forms.CharField(
        label=_("Your full name"),
        max_length=200,
        help_text=_("Your first and last name, as your therapist has them."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    agreed = forms.BooleanField(
        label=_("I have read and agree"),
        required=True,
        error_messages={"required": _("Tick “I have read and agree” to sign.")},
    )


class PublishForm(forms.Form):
    body = forms.CharField(
        label=_("Text (Markdown)"),
        widget=forms.Textarea(attrs={"rows": 24}),
        max_length=60000,
        help_text=_("Headings with #, lists with -, bold with **. HTML is shown as text."),
    )
    effective_date = forms.DateField(
        label=_("Effective from"), initial=timezone.localdate, widget=forms.DateInput(attrs={"type": "date"})
    )


def _versions_for(client) -> list[DocumentVersion]:
    return applicable_versions(client)


class _UnitForm(forms.Form):
    member = forms.ModelChoiceField(queryset=None, label=_("Who"))
    version = forms.TypedChoiceField(label=_("Document"), coerce=int)

    def __init__(self, *args, client, **kwargs):
        super().__init__(*args, **kwargs)
        self.client = client
        self.fields["member"].queryset = client.members.order_by("position")
        self.fields["member"].label_from_instance = lambda m: m.full_name
        self.versions = {v.pk: v for v in _versions_for(client)}
        self.fields["version"].choices = [(pk, v.label) for pk, v in self.versions.items()]

    def clean_version(self):
        return self.versions[self.cleaned_data["version"]]


class RequestForm(_UnitForm):
    pass


class PaperConsentForm(_UnitForm):
    signed_on = forms.DateField(label=_("Signed on"), widget=forms.DateInput(attrs={"type": "date"}))
    referrer = forms.TypedChoiceField(
        label=_("Releases to (for a release of information)"), coerce=int, required=False, empty_value=None
    )
    scan = forms.FileField(label=_("Scan of the signed paper (PDF, JPEG or PNG, up to 10 MB)"))

    def __init__(self, *args, client, **kwargs):
        super().__init__(*args, client=client, **kwargs)
        self.referrers = dict(referrers_for(client))
        self.fields["referrer"].choices = [("", "—"), *self.referrers.items()]

    def clean_scan(self):
        scan = self.cleaned_data["scan"]
        extension = scan.name.rsplit(".", 1)[-1].lower() if "." in scan.name else ""
        if extension not in SCAN_EXTENSIONS:
            raise ValidationError(_("Upload a PDF, JPEG or PNG file."))
        if scan.size > SCAN_MAX_BYTES:
            raise ValidationError(_("The file is larger than 10 MB."))
        head = scan.read(8)
        scan.seek(0)
        if not head.startswith(SCAN_SIGNATURES):
            raise ValidationError(_("This file is not a PDF, JPEG or PNG."))
        return scan

    def referrer_name(self) -> str:
        return self.referrers.get(self.cleaned_data.get("referrer"), "")
