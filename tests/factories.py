"""Factories shared by every test package."""

import factory
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from practice.models import Therapist, User

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    role = User.Role.CLIENT
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])


class TherapistFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Therapist

    user = factory.SubFactory(UserFactory, role=User.Role.THERAPIST)
    display_name = factory.Sequence(lambda n: f"Dr Therapist {n}")
    credentials = "PhD, LMFT"
    time_zone = "Europe/London"


def give_totp(user: User) -> str:
    """Activate TOTP for `user` and return its secret."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def has_totp(user: User) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class ClientFactory(factory.django.DjangoModelFactory):
    """An individual unit with one member. Use `couple()` for two."""

    class Meta:
        model = "clients.Client"
        skip_postgeneration_save = True

    kind = "individual"
    status = "active"
    primary_therapist = factory.SubFactory(TherapistFactory)

    @factory.post_generation
    def with_members(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            count = 2 if obj.kind == "couple" else 1
            for position in range(1, count + 1):
                MemberFactory(client=obj, position=position)


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "clients.Member"
        skip_postgeneration_save = True

    client = factory.SubFactory(ClientFactory, with_members=False)
    position = 1
    first_name = factory.Sequence(lambda n: f"Robin{n}")
    last_name = factory.Sequence(lambda n: f"Example{n}")
    email = factory.Sequence(lambda n: f"member{n}@example.net")

    @factory.post_generation
    def index(obj, create, extracted, **kwargs):
        from clients.services import _refresh_search_tokens

        if create:
            _refresh_search_tokens(obj)


def couple(therapist, **kwargs):
    """A couple unit of `therapist` with two members and the limited-secrets policy."""
    return ClientFactory(
        kind="couple", primary_therapist=therapist, confidentiality_policy="limited_secrets", **kwargs
    )


def portal_user_for(member):
    """Give `member` a portal account (role client) with the test password."""
    user = UserFactory(email=f"portal-{member.pk}@example.org", role=User.Role.CLIENT)
    member.user = user
    member.save(update_fields=["user"])
    return user
