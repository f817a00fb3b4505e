"""Who may load which referral. The only road to a referral from a URL.

Not entitled and missing look the same (404), so ids cannot be probed. Rules:
- staff and therapists of the practice triage referrals;
- once a referral became a client unit, therapists reach it only if they treat that unit (its
  reason is clinical text about that client); staff still reach it (they triaged it);
- a letter back to the referrer: only a therapist treating the unit (the page then says whether a
  signed release of information naming that referrer lets the letter go, `referrals.services.letter_send`);
- clients and anonymous users never reach a referral.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404

from practice.models import User
from referrals.models import Referral

RELATED = ("referrer", "preferred_therapist", "assigned_therapist", "client", "client__primary_therapist")


def get_referral_for_user(user: User, referral_id: int) -> Referral:
    """Return the referral if `user` may triage or read it, else raise Http404."""
    referral = get_object_or_404(Referral.objects.select_related(*RELATED), pk=referral_id)

    if user.is_practice_staff:
        return referral
    if user.is_therapist and referral.client_id is None:
        return referral
    if user.is_therapist and referral.client.is_treated_by(user.therapist):
        return referral

    raise Http404


def get_referral_for_letter(user: User, referral_id: int) -> Referral:
    """Return the referral if `user` treats the unit it became, else raise Http404."""
    referral = get_object_or_404(Referral.objects.select_related(*RELATED), pk=referral_id)

    if not user.is_therapist:
        raise Http404
    if referral.client_id is None:
        raise Http404
    if not referral.client.is_treated_by(user.therapist):
        raise Http404
    return referral
