"""The one gate for late-cancellation and no-show fees.

A practice may charge for a late cancellation or a no-show only where the client signed the
financial policy that says so (issue 18): the billing party (the member who pays; for a couple who
share, or a third party, the unit) has a live signature of the current version of the active
"financial and cancellation policy" document (`documents.gates.has_signed`). A new version of the
policy, or a withdrawn signature, closes the gate until it is signed again. The fee itself is the
practice's late-cancellation or no-show service fee (`selectors.fee_for`).

The gate is a setting naming a callable, `BILLING_LATE_FEE_POLICY` (default
`billing.policy.signed_financial_policy`), so a practice that charges nobody late fees can name
`billing.policy.no_signed_policy`, and a test can name a gate that allows.
"""

from django.conf import settings
from django.utils.module_loading import import_string

from documents.gates import has_signed
from documents.models import DocumentTemplate


def no_signed_policy(client, member) -> bool:
    """Never charge a late or no-show fee."""
    return False


def signed_financial_policy(client, member) -> bool:
    """The billing party signed the current financial and cancellation policy (the default gate)."""
    return has_signed(client=client, member=member, kind=DocumentTemplate.Kind.FINANCIAL)


def late_fee_allowed(client, member) -> bool:
    """True if `member` of `client` (the billing party, or None when both share or a third party
    pays) signed the financial policy that allows late-cancellation and no-show fees."""
    return bool(import_string(settings.BILLING_LATE_FEE_POLICY)(client, member))
