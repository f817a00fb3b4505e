"""Small helpers the resources views share (the form-refusal helpers are the project's own)."""

from practice.forms_support import apply_errors, invalid

__all__ = ["apply_errors", "invalid"]
