from django import template

from billing.money import format_money

register = template.Library()


@register.filter
def money(value) -> str:
    """An amount in the practice's currency, to the penny: {{ charge.amount|money }} → £90.00."""
    return format_money(value)
