"""The signed copy as a PDF, rendered by WeasyPrint from our own template.

Nothing is fetched while rendering: the template carries its own styles, and the URL fetcher refuses
every address, so a document's text can never make the server load a URL. The copy holds this one
signature's details and nothing of anyone else.
"""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.formats import date_format

from documents.models import Signature
from documents.rendering import render_markdown


def _refusing_fetcher():
    """A URL fetcher that fetches nothing: every address is refused (WeasyPrint then leaves it out)."""
    from weasyprint.urls import URLFetcher, URLFetchingError

    class RefuseEveryURL(URLFetcher):
        def fetch(self, url, headers=None):
            raise URLFetchingError("the signed copy loads nothing from outside")

    return RefuseEveryURL()


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


def render_pdf(template_name: str, context: dict) -> bytes:
    """The one way the product makes a PDF (signed copies here, billing's superbills and estimates):
    our own template, with its styles inline, rendered by WeasyPrint with a fetcher that loads nothing."""
    html = render_to_string(template_name, context)
    from weasyprint import HTML  # loaded on first use: it is slow to import

    return HTML(string=html, url_fetcher=_refusing_fetcher()).write_pdf()
