"""CSV exports of balances and ageing, safe to open in a spreadsheet.

A cell that starts with = + - @, a tab or a carriage return is read by Excel, LibreOffice and
Google Sheets as a formula (CSV injection, OWASP): such a cell is prefixed with a single quote so it
is shown as text. Amounts are written as plain decimals, and negative amounts (a credit) are
written with a leading minus, so they are quoted too: a spreadsheet shows them as text, which is
the safe side; the "credit" column says the same as a positive number.
"""

import csv
import io

from django.conf import settings

from billing.selectors import BUCKETS

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def ageing_csv(rows, totals) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    bucket_names = [name for name, _low, _high in BUCKETS]
    writer.writerow(["client", "balance", "credit", *(f"{name} days" for name in bucket_names)])
    for row in rows:
        cells = [row.client.reference, row.balance, row.credit, *(row.buckets[name] for name in bucket_names)]
        writer.writerow([safe_cell(cell) for cell in cells])
    writer.writerow([safe_cell(cell) for cell in ["practice", "", "", *(totals[name] for name in bucket_names)]])
    return out.getvalue()


# --- The billing party's ledger in the right-of-access export (clients/export.py) ------------------


def record_section(scope) -> dict | None:
    """The unit's ledger, for the whole unit's record or for a member who is its billing party; a
    partner who does not pay gets none of it (the account is the billing party's)."""
    from billing.models import Charge, Invoice, Payment, Refund, WriteOff
    from billing.selectors import is_billing_party

    client, member = scope.client, scope.member
    if member is not None and not is_billing_party(member):
        return None
    charges = Charge.objects.filter(client=client).select_related("service").order_by("charged_on", "pk")
    return {
        "billing": {
            "currency": settings.BILLING_CURRENCY,
            "charges": [
                {
                    "id": c.pk,
                    "date": c.charged_on,
                    "service": c.service.code,
                    "amount": str(c.amount),
                    "status": c.status,
                    "void_reason": c.void_reason,
                    "replaces": c.replaces_id,
                }
                for c in charges
            ],
            "payments": [
                {"id": p.pk, "date": p.received_on, "amount": str(p.amount), "method": p.method}
                for p in Payment.objects.filter(client=client).order_by("received_on", "pk")
            ],
            "refunds": [
                {"id": r.pk, "date": r.refunded_on, "amount": str(r.amount), "reason": r.reason}
                for r in Refund.objects.filter(client=client).order_by("refunded_on", "pk")
            ],
            "write_offs": [
                {
                    "id": w.pk,
                    "charge": w.charge_id,
                    "date": w.written_off_on,
                    "amount": str(w.amount),
                    "reason": w.reason,
                }
                for w in WriteOff.objects.filter(client=client).order_by("written_off_on", "pk")
            ],
            "invoices": [
                {"number": i.number, "issued_on": i.issued_on, "total": str(i.total), "status": i.status}
                for i in Invoice.objects.filter(client=client).order_by("number")
            ],
        }
    }
