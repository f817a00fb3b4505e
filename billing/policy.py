"""The one gate for late-cancellation and no-show fees.

A practice may charge for a late cancellation or a no-show only where the client signed the
financial policy that says so (issue 18). Signed documents live in the `documents` app, which is
not built yet: until it is, no late or no-show fee is ever charged.

The gate is a setting naming a callable, `BILLING_LATE_FEE_POLICY` (default
`billing.policy.no_signed_policy`), so the documents app can point it at its own check without
billing importing it, and a test can name a gate that allows.
"""

from django.conf import settings
from django.utils.module_loading import import_string


def no_signed_policy(client, member) -> bool:
    """Nobody has signed a financial policy yet: the documents app will answer here."""
    return False


def late_fee_allowed(client, member) -> bool:
    """True if `member` of `client` (the billing party, or None for a third party) signed the
    financial policy that allows late-cancellation and no-show fees.

    The documents gate goes here: the `documents` app's "signed the current financial and
    cancellation policy" check, named by `BILLING_LATE_FEE_POLICY`.
    """
    return bool(import_string(settings.BILLING_LATE_FEE_POLICY)(client, member))
