"""Forms for signing, recording a paper copy, requesting a signature and publishing a version."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from documents.models import HANDOUT_EXTENSIONS, SCAN_EXTENSIONS, DocumentVersion
from documents.releases import referrers_for
from documents.selectors import applicable_versions

SCAN_MAX_BYTES = 10 * 1024 * 1024
# What each allowed type starts with: a file named .pdf that is not a PDF is refused.
SCAN_SIGNATURES = (b"%PDF-", b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")
MAGIC = {"pdf": b"%PDF-", "jpg": b"\xff\xd8\xff", "jpeg": b"\xff\xd8\xff", "png": b"\x89PNG\r\n\x1a\n"}
HANDOUT_MAX_BYTES = 10 * 1024 * 1024
TEXT_MAX_BYTES = 1024 * 1024


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


def _extension(upload) -> str:
    return upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""


def _is_plain_text(upload) -> bool:
    """UTF-8 text with no NUL byte: a binary file renamed .txt is refused."""
    data = upload.read(TEXT_MAX_BYTES + 1)
    upload.seek(0)
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class HandoutForm(forms.Form):
    """A file shared read-only in the portal: PDF, JPEG, PNG or plain text; its content must match its
    name (a file named .pdf that is not a PDF is refused)."""

    title = forms.CharField(
        label=_("Title"), max_length=200, help_text=_("Shown to the client: practice wording, no clinical detail.")
    )
    member = forms.ModelChoiceField(
        queryset=None, required=False, label=_("Shared with"), empty_label=_("The whole unit")
    )
    file = forms.FileField(label=_("File (PDF, JPEG, PNG or plain text; up to 10 MB, text up to 1 MB)"))

    def __init__(self, *args, client, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = client.members.order_by("position")
        self.fields["member"].label_from_instance = lambda m: f"{m.full_name} only"
        if not client.is_couple:
            self.fields["member"].empty_label = _("The client")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        extension = _extension(upload)
        if extension not in HANDOUT_EXTENSIONS:
            raise ValidationError(_("Share a PDF, JPEG, PNG or plain text (.txt) file."))
        limit = TEXT_MAX_BYTES if extension == "txt" else HANDOUT_MAX_BYTES
        if upload.size > limit:
            raise ValidationError(
                _("The file is larger than %(size)s.") % {"size": "1 MB" if extension == "txt" else "10 MB"}
            )
        if extension == "txt":
            if not _is_plain_text(upload):
                raise ValidationError(_("This file is not plain text."))
            return upload
        head = upload.read(8)
        upload.seek(0)
        if not head.startswith(MAGIC[extension]):
            raise ValidationError(_("This file is not the %(kind)s its name says.") % {"kind": extension.upper()})
        return upload
