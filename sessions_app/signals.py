"""What apps above `sessions_app` may hear about a session, without this app importing them.

`appointment_status_changed` is sent inside the transaction that changes a session's status (marked
attended or no-show, cancelled, or a mark corrected), after the row is saved and while it is still
locked. A receiver that writes (billing's charge) therefore commits or rolls back with the change.
Arguments: `appointment`, `previous` (the status before), `by` (the acting user, or None).
"""

from django.dispatch import Signal

appointment_status_changed = Signal()
