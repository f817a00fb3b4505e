"""CSV exports of balances and ageing, safe to open in a spreadsheet.

A cell that starts with = + - @, a tab or a carriage return is read by Excel, LibreOffice and
Google Sheets as a formula (CSV injection, OWASP): such a cell is prefixed with a single quote so it
is shown as text. Amounts are written as plain decimals, and negative amounts (a credit) are
written with a leading minus, so they are quoted too: a spreadsheet shows them as text, which is
the safe side; the "credit" column says the same as a positive number.
"""

import csv
import io

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
