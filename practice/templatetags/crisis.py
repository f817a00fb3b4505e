"""`{% crisis_text %}` (or `{% crisis_text compact=True %}`): the practice's crisis text, as the admin
set it in the practice settings. For every page where a client may have told us of a risk (the
intake today; measures and messages later), because nobody may read the answer for hours."""

from django import template

from practice.models import PracticeSettings

register = template.Library()


@register.inclusion_tag("practice/_crisis_text.html")
def crisis_text(compact: bool = False) -> dict:
    return {"paragraphs": PracticeSettings.current().crisis_paragraphs, "compact": compact}
