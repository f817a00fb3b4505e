"""The authentication backends: allauth's sign-in by email, restricted to addresses that are the
account's own, and the one read of the signed-in person that every request makes."""

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.db.models import Exists, OuterRef

from practice.sign_in import lookup_address


class SignedInPersonMixin:
    """Reads the signed-in person once per request with what the next steps of every request ask:
    the therapist's profile (their zone, their caseload) and whether they have an authenticator app
    (the second-factor gate, `practice.middleware.RequireSecondFactorMiddleware`). One query instead
    of three. Both are read fresh on each request, as before: an authenticator removed in one
    request gates the next."""

    def get_user(self, user_id):
        user = (
            get_user_model()
            ._default_manager.select_related("therapist")
            .annotate(has_totp=Exists(Authenticator.objects.filter(user=OuterRef("pk"), type=Authenticator.Type.TOTP)))
            .filter(pk=user_id)
            .first()
        )
        return user if user is not None and self.user_can_authenticate(user) else None


class ModelBackend(SignedInPersonMixin, DjangoModelBackend):
    """Django's own (password by sign-in address; `login(..., backend=...)` of the portal's invitation)."""


class AuthenticationBackend(SignedInPersonMixin, AllauthBackend):
    """Signs in with the account's sign-in address or another verified one: never with an address
    added and not yet verified (whoever added it would otherwise sign in with it at once)."""

    def _authenticate_by_email(self, email: str, password: str):
        email = lookup_address(email)  # a client's real address stands for their pseudonym
        user = super()._authenticate_by_email(email, password)
        if user is None:
            return None
        if user.email.lower() == email.lower():
            return user
        if EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists():
            return user
        return None
