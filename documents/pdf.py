"""The signed copy as a PDF, rendered by WeasyPrint from our own template.

Nothing is fetched while rendering: the template carries its own styles, and the URL fetcher refuses
every address (`practice.pdf`), so a document's text can never make the server load a URL. The copy holds this one
signature's details and nothing of anyone else.
"""

from django.conf import settings
from django.utils.formats import date_format

from documents.models import Signature
from documents.rendering import render_markdown
from practice.pdf import render_pdf


def how_signed(signature: Signature) -> str:
    when = date_format(signature.signed_at.astimezone(signature.member.zone), "j F Y")
    therapist = getattr(signature.recorded_by, "therapist", None)
    who = therapist.display_name if therapist else "the practice"
    if signature.method == Signature.Method.PAPER:
        return f"Recorded by {who} from a paper copy signed on {when}."
    if signature.method == Signature.Method.RECORDED:
        return (
            f"Consent given on {when} and recorded by {who} before the practice kept signed documents: "
            "no signed copy or typed name is on file."
        )
    return (
        "Signed in the practice's portal by typing their name and ticking “I have read and agree” "
        f"on {when} from IP {signature.ip or 'unknown'}."
    )


def signed_copy_pdf(signature: Signature) -> bytes:
    version = signature.version
    zone = signature.member.zone
    context = {
        "signature": signature,
        "version": version,
        "title": version.template.title,
        "body": render_markdown(version.body),
        "signed_at": signature.signed_at.astimezone(zone),
        "withdrawn_at": signature.withdrawn_at.astimezone(zone) if signature.withdrawn_at else None,
        "zone": zone.key,
        "how": how_signed(signature),
        "practice_name": settings.PRACTICE_NAME,
    }
    return render_pdf("documents/signed_copy.html", context)
