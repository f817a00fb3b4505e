"""How every form page answers a refusal: errors next to the fields, a note at the top, 400,
and everything the person typed still in the form; and how much free text each box holds."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.deconstruct import deconstructible
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


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


# --- How much free text a box holds -------------------------------------------------------------
# Enforced in forms (the model fields have no limit): the limit is shown under the box and set as
# the textarea's maxlength, and longer text is refused with an error next to the box while the rest
# of the form comes back as it was sent. Never truncated on the server.

NOTE_CHARS = 50_000  # notes and addenda
LONG_CHARS = 10_000  # instructions, notes to a client
ANSWER_CHARS = 5_000  # one answer of the intake questionnaire, an exercise stage
SHORT_CHARS = 1_000  # a goal, an address, an emergency contact, a summary


@deconstructible
class TextLimit:
    """Refuse text longer than `limit` characters, saying by how much (in the person's words)."""

    def __init__(self, limit: int):
        self.limit = limit

    def __call__(self, value) -> None:
        if value is not None and len(value) > self.limit:
            raise ValidationError(
                gettext_lazy(
                    "This box holds up to %(limit)s characters and this text has %(length)s. Shorten it "
                    "and send it again: nothing has been saved yet, and everything you typed is still here."
                ),
                code="max_length",
                params={"limit": f"{self.limit:,}", "length": f"{len(value):,}"},
            )

    def __eq__(self, other) -> bool:
        return isinstance(other, TextLimit) and other.limit == self.limit


def limit_text_fields(fields: dict, limits: dict[str, int]) -> None:
    """Give each named text field its limit: validator, maxlength attribute, "Up to N characters."

    `fields` is a form's `fields` (one form) or a form class's `base_fields` (see `text_limits`).
    A field a form removed (e.g. a couple-only field) is skipped.
    """
    for name, limit in limits.items():
        field = fields.get(name)
        if field is None:
            continue
        field.max_length = limit
        field.validators = [v for v in field.validators if not isinstance(v, (MaxLengthValidator, TextLimit))]
        field.validators.append(TextLimit(limit))
        field.widget.attrs["maxlength"] = str(limit)
        shown = format_lazy(gettext_lazy("Up to {} characters."), f"{limit:,}")
        field.help_text = format_lazy("{} {}", field.help_text, shown) if field.help_text else shown


def text_limits(**limits: int):
    """Class decorator: `@text_limits(body=NOTE_CHARS)` on a form applies `limit_text_fields` to it."""

    def apply(form_class):
        limit_text_fields(form_class.base_fields, limits)
        return form_class

    return apply
