"""A field's choice labels by value, translated once per page (`get_FOO_display` translates every
choice of the field on each call: a list of a hundred rows translated them a hundred times)."""


class ChoiceLabels(dict):
    """A value no longer among the choices shows as itself, as `get_FOO_display` shows it."""

    def __missing__(self, key):
        return str(key)


def choice_labels(model, field_name: str) -> ChoiceLabels:
    return ChoiceLabels({value: str(label) for value, label in model._meta.get_field(field_name).flatchoices})
