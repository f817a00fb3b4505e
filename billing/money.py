"""Money: `Decimal` only, never floats, in one currency (`settings.BILLING_CURRENCY`).

Rounding, stated once: every amount the product stores or shows is rounded to the penny (0.01)
half up (`ROUND_HALF_UP`: 12.345 → 12.35, 12.344 → 12.34), by `money()`. A split share (a couple
paying 50/50 or a stated share) is rounded the same way; the first partner's part is the rounded
share and the second partner's is the rest, so the parts always add up to the whole.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings

PENNY = Decimal("0.01")
ZERO = Decimal("0.00")
SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$", "CAD": "$", "AUD": "$", "NZD": "$"}


def money(value) -> Decimal:
    """`value` (a Decimal, int or a string such as "12.50") as an amount rounded to the penny.

    Floats are refused: 0.1 + 0.2 is not 0.3 in binary, and a ledger must add up exactly.
    """
    if isinstance(value, float):
        raise TypeError("Money is never a float: pass a Decimal or a string.")
    try:
        return Decimal(value).quantize(PENNY, rounding=ROUND_HALF_UP)
    except InvalidOperation as exc:
        raise ValueError("Not an amount of money.") from exc


def currency() -> str:
    return settings.BILLING_CURRENCY


def format_money(value) -> str:
    """ "£1,234.50", "-£5.00"; a currency without a symbol here is shown by its code ("CHF 12.00")."""
    amount = money(value if value is not None else ZERO)
    code = currency()
    sign = "-" if amount < 0 else ""
    digits = f"{abs(amount):,.2f}"
    symbol = SYMBOLS.get(code)
    return f"{sign}{symbol}{digits}" if symbol else f"{sign}{code} {digits}"
