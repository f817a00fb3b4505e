"""What billing adds to pages it does not own: the client page's balance line and the session
page's service and charge (registered in `BillingConfig.ready()`)."""

from billing import selectors


def client_context(client) -> dict:
    return {"billing_account": selectors.account(client)}


def appointment_context(appointment, user) -> dict:
    return selectors.appointment_panel(appointment)
