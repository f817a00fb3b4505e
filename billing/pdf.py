"""Invoices and statements as PDFs, from our own templates (templates/billing/*_pdf.html), rendered
by `practice.pdf.html_to_pdf` (nothing fetched). Discreet by default: the practice's discreet name
where the billing party asked for discreet wording, and services by their neutral billing
description, never the specialty, unless `BILLING_SHOW_SPECIALTY` is on. Each document holds one
client's account and nothing of anyone else."""

from django.conf import settings
from django.template.loader import render_to_string

from billing import selectors
from billing.models import Invoice
from billing.money import currency, format_money
from billing.selectors import Statement
from practice.pdf import html_to_pdf


def practice_details(*, discreet: bool) -> dict:
    return {
        "name": settings.PRACTICE_DISCREET_NAME if discreet else settings.PRACTICE_NAME,
        "address": settings.PRACTICE_ADDRESS,
        "email": settings.PRACTICE_EMAIL,
        "phone": settings.PRACTICE_PHONE,
    }


def invoice_pdf(invoice: Invoice) -> bytes:
    show = settings.BILLING_SHOW_SPECIALTY
    lines = []
    for line in invoice.lines.select_related("charge__service").order_by("charged_on", "id"):
        service = line.charge.service
        line.text = service.name if show else line.description
        line.code = service.code
        line.money = format_money(line.amount)
        lines.append(line)
    context = {
        "invoice": invoice,
        "lines": lines,
        "total": format_money(invoice.total),
        "practice": practice_details(discreet=invoice.discreet),
        "show_codes": show,
        "currency": currency(),
    }
    return html_to_pdf(render_to_string("billing/invoice_pdf.html", context))


def statement_pdf(statement: Statement, *, billed: dict) -> bytes:
    """`billed`: who the statement is to (`selectors.billed_to`: name, address, discreet)."""
    rows = []
    for row in statement.rows:
        row.money = format_money(row.amount)
        row.running = format_money(row.balance)
        rows.append(row)
    sums = {
        "charges": format_money(statement.charges),
        "payments": format_money(statement.payments),
        "refunds": format_money(statement.refunds),
        "write_offs": format_money(statement.write_offs),
    }
    context = {
        "statement": statement,
        "rows": rows,
        "opening": format_money(statement.opening),
        "closing": format_money(statement.closing),
        "sums": sums,
        "billed": billed,
        "practice": practice_details(discreet=billed["discreet"]),
        "today": selectors.today(),
        "currency": currency(),
    }
    return html_to_pdf(render_to_string("billing/statement_pdf.html", context))
