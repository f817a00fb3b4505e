"""allauth's sign-in by email, restricted to addresses that are the account's own."""

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from allauth.account.models import EmailAddress

from practice.sign_in import lookup_address


class AuthenticationBackend(AllauthBackend):
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
