"""The request to sign, built at send time (registered with the outbox from `DocumentsConfig.ready`).

It says only that a document waits in the portal: for a member who asked for discreet wording not
even its title, and the practice is named by PRACTICE_DISCREET_NAME. Not wanted any more (None)
once the member (or, for a unit document, anyone in the unit) has signed the current version, when
a newer version replaced the one asked for, or when the member no longer accepts email.
"""

from django.conf import settings
from django.urls import reverse

from documents.models import DocumentTemplate, DocumentVersion, Signature
from outbox.channels import Message, render_message
from outbox.models import Notification
from outbox.services import builder

SIGN_REQUEST = "documents_sign_request"


def _still_to_sign(version: DocumentVersion, member) -> bool:
    newest = version.template.versions.order_by("-number").first()
    if newest is None or newest.pk != version.pk or not version.template.active:
        return False
    live = Signature.objects.filter(version=version, withdrawn_at__isnull=True)
    if version.template.signers == DocumentTemplate.Signers.EACH:
        live = live.filter(member=member)
    return version.template.kind == DocumentTemplate.Kind.RELEASE or not live.exists()


@builder(SIGN_REQUEST)
def sign_request(notification: Notification) -> Message | None:
    member = notification.member
    version = DocumentVersion.objects.select_related("template").filter(pk=notification.target_id).first()
    if member is None or version is None or not member.contact_by_email or not member.email:
        return None
    if not _still_to_sign(version, member):
        return None
    discreet = member.discreet_wording
    practice_name = settings.PRACTICE_DISCREET_NAME if discreet else settings.PRACTICE_NAME
    context = {
        "member": member,
        "title": "" if discreet else version.template.title,
        "link": settings.SITE_URL + reverse("portal:documents"),
        "practice_name": practice_name,
    }
    return render_message(
        "documents_sign_request", context, subject=f"A document to read and sign — {practice_name}", to=member.email
    )
