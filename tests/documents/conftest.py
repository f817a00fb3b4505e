import pytest

from documents import services
from documents.models import DocumentTemplate
from tests.factories import couple, portal_user_for

BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Mobile Safari"


def current(kind: str):
    """The current version of the starter set's document of `kind` (loaded by the data migration)."""
    return DocumentTemplate.objects.get(kind=kind).versions.order_by("-number").first()


@pytest.fixture
def signed_pair(alice):
    """Alice's couple, both partners with portal accounts; names Jordan Lee and Sam Okafor."""
    unit = couple(alice, signed=False)
    jordan, sam = unit.members.order_by("position")
    for member, (first, last) in ((jordan, ("Jordan", "Lee")), (sam, ("Sam", "Okafor"))):
        member.first_name, member.last_name = first, last
        member.save()
        portal_user_for(member)
    return unit, jordan, sam


def sign(version, member, **kwargs):
    return services.document_sign(
        version=version,
        member=member,
        by=member.user,
        typed_name=kwargs.pop("typed_name", member.full_name),
        agreed=True,
        ip=kwargs.pop("ip", "203.0.113.9"),
        user_agent=kwargs.pop("user_agent", BROWSER),
        **kwargs,
    )
