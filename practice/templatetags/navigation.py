"""Navigation helpers for base.html: a link to a page that another app may not have yet."""

from django import template
from django.urls import NoReverseMatch, reverse

register = template.Library()


@register.simple_tag
def url_if_exists(name: str, *args) -> str:
    """The page's address, or "" when no app provides `name` (e.g. portal:messages before the
    messaging app exists): `{% url_if_exists 'portal:messages' as messages_url %}`."""
    try:
        return reverse(name, args=args or None)
    except NoReverseMatch:
        return ""
