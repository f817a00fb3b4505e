"""Clients' sign-in addresses, kept out of the clear.

The fact that a named address has an account here says the person is a sex-therapy client. So a
client's `User.email` (what allauth and Django look accounts up by, and keep in `account_emailaddress`)
is a pseudonym: a keyed digest of the real address under a reserved domain. The real address is
encrypted in `User.sign_in_email`. People still type their real address: the authentication backend
and the account adapter turn it into the pseudonym before looking anything up, and the adapter turns
the pseudonym back into the real address for every email allauth sends. Therapists', staff's and
admins' work addresses stay in clear (they are not health data; SECURITY.md says so).

The digest is keyed from the newest field key: after a key rotation `sign_in_pseudonyms_rebuild`
(registered with the rotation) recomputes every client's pseudonym from the encrypted address.
"""

import hashlib
import hmac

from practice import crypto

PURPOSE = "practice.sign-in-address.v1"
DOMAIN = "sign-in.invalid"  # reserved (RFC 2606): mail can never be delivered to it


def pseudonym(address: str, key: bytes | None = None) -> str:
    normal = (address or "").strip().lower()
    digest = hmac.new(key or crypto.derived_key(PURPOSE), normal.encode(), hashlib.sha256).hexdigest()
    return f"c-{digest[:48]}@{DOMAIN}"


def is_pseudonym(address: str) -> bool:
    return (address or "").lower().endswith("@" + DOMAIN)


def lookup_address(typed: str) -> str:
    """What to look an account up by: the pseudonym when a client has that address, else as typed."""
    from practice.models import User

    if not typed or is_pseudonym(typed):
        return typed
    candidate = pseudonym(typed)
    return candidate if User.objects.filter(email=candidate).exists() else typed


def real_address(address: str) -> str:
    """The deliverable address behind `address` (a pseudonym's owner's real one), else `address`."""
    from practice.models import User

    if not is_pseudonym(address):
        return address
    user = User.objects.filter(email=address.lower()).only("sign_in_email").first()
    return user.sign_in_email if user is not None and user.sign_in_email else address


def sign_in_pseudonyms_rebuild() -> int:
    """Recompute every client's pseudonym (and allauth's copy) with the newest key."""
    from allauth.account.models import EmailAddress
    from django.db import transaction

    from practice.models import User

    changed = 0
    with transaction.atomic():
        for user in User.objects.select_for_update().exclude(sign_in_email="").filter(role=User.Role.CLIENT):
            new = pseudonym(user.sign_in_email)
            if new != user.email:
                EmailAddress.objects.filter(user=user, email__iexact=user.email).update(email=new)
                User.objects.filter(pk=user.pk).update(email=new)
                changed += 1
    return changed
