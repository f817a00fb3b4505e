"""HTML of our own to PDF, with WeasyPrint, fetching nothing.

The templates carry their own print styles, and the URL fetcher refuses every address, so nothing in
a document (a practice text, a client's name) can make the server load a URL. The one helper the
signed copies (documents/pdf.py), invoices and statements (billing/pdf.py), superbills and estimates
(billing/superbill_selectors.py) share.
"""


def refusing_fetcher():
    """A URL fetcher that fetches nothing: every address is refused (WeasyPrint then leaves it out)."""
    from weasyprint.urls import URLFetcher, URLFetchingError

    class RefuseEveryURL(URLFetcher):
        def fetch(self, url, headers=None):
            raise URLFetchingError("a practice document loads nothing from outside")

    return RefuseEveryURL()


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML  # loaded on first use: it is slow to import

    return HTML(string=html, url_fetcher=refusing_fetcher()).write_pdf()


def render_pdf(template_name: str, context: dict) -> bytes:
    """Our own template (its styles inline) as a PDF: signed copies, invoices, statements, superbills
    and estimates all come through here."""
    from django.template.loader import render_to_string

    return html_to_pdf(render_to_string(template_name, context))
