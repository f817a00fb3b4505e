"""Files the product hands out (signed copies, scans, handouts, invoices, superbills, CSV exports)."""

from django.http import HttpResponse


def as_attachment(response: HttpResponse, filename: str) -> HttpResponse:
    """A download, never a page of this site: attachment, no sniffing, sandboxed, not cached."""
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
