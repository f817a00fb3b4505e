"""The message box: text with a limit, one optional attachment checked by its first bytes."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from messaging.models import NoticePreference
from practice.forms_support import text_limits

MESSAGE_CHARS = 10_000
# What each allowed type starts with: a file named .pdf that is not a PDF is refused.
MAGIC = {"pdf": b"%PDF-", "jpg": b"\xff\xd8\xff", "jpeg": b"\xff\xd8\xff", "png": b"\x89PNG\r\n\x1a\n"}
CONTENT_TYPES = {"pdf": "application/pdf", "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png"}


@text_limits(body=MESSAGE_CHARS)
class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Your message"),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write your message before sending it.")},
    )
    attachment = forms.FileField(label=_("Attach a file (PDF, JPEG or PNG)"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        megabytes = settings.MESSAGING_ATTACHMENT_MAX_BYTES // (1024 * 1024)
        self.fields["attachment"].help_text = _("Optional, up to %(mb)s MB.") % {"mb": megabytes}

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
        if not body.strip():
            raise ValidationError(_("Write your message before sending it."))
        return body

    def clean_attachment(self):
        upload = self.cleaned_data.get("attachment")
        if not upload:
            return None
        extension = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
        if extension not in MAGIC:
            raise ValidationError(_("Attach a PDF, JPEG or PNG file."))
        limit = settings.MESSAGING_ATTACHMENT_MAX_BYTES
        if upload.size > limit:
            raise ValidationError(_("The file is larger than %(mb)s MB.") % {"mb": limit // (1024 * 1024)})
        head = upload.read(8)
        upload.seek(0)
        if not head.startswith(MAGIC[extension]):
            raise ValidationError(_("This file is not the %(kind)s its name says.") % {"kind": extension.upper()})
        upload.content_type = CONTENT_TYPES[extension]
        return upload


class NoticePreferenceForm(forms.Form):
    mode = forms.ChoiceField(
        label=_("Tell me about new messages"), choices=NoticePreference.Mode.choices, widget=forms.RadioSelect
    )
