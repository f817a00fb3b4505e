"""Each message kind in words, for the outbox page ("Appointment reminder", not "appointment_reminder").

The apps that write the messages register their kinds' names from `AppConfig.ready()` (the outbox
knows no domain); a kind nobody named reads as its own words ("late_cancellation_notice" reads
"Late cancellation notice").
"""

_LABELS: dict[str, str] = {}


def register_kind_labels(labels: dict) -> None:
    """`{kind: label}` (labels may be lazy translations)."""
    _LABELS.update(labels)


def kind_label(kind: str) -> str:
    label = _LABELS.get(kind)
    if label is not None:
        return str(label)
    return kind.replace("_", " ").strip().capitalize()
