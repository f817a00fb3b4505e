"""How every form page answers a refusal: errors next to the fields, a note at the top, 400,
and everything the person typed still in the form."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def invalid(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    messages.error(request, _("Please correct the errors below. Nothing you typed has been lost."))
    return render(request, template, context, status=400)


def error_text(error: ValidationError) -> str:
    """A service's refusal as one sentence (or a few) for the top of a page."""
    return " ".join(error.messages)


def refuse(request: HttpRequest, error: ValidationError) -> None:
    """Tell the person why a service said no, at the top of the next page they see."""
    messages.error(request, error_text(error))


def apply_errors(form, error: ValidationError) -> None:
    """Put a service's errors next to the form's fields where the names match, above the form otherwise."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def id_param(request: HttpRequest, name: str) -> int | None:
    """An object id from the query string (e.g. ?appointment=12), or None when absent or malformed:
    a hand-edited address gets the page without the preselection, never an error."""
    raw = request.GET.get(name, "").strip()
    return int(raw) if raw.isdigit() and len(raw) <= 18 else None
