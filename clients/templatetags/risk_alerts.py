"""`{% open_risk_alerts client as alerts %}`: the unit's open risk alerts, for the header that every
page of a therapist's client record includes (one query), so no view has to remember to pass them."""

from django import template

from clients.selectors import open_alerts_for

register = template.Library()


@register.simple_tag
def open_risk_alerts(client) -> list:
    return open_alerts_for(client)
