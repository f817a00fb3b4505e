from celery import shared_task

from referrals import counts


@shared_task(acks_late=True)
def referral_counts_rebuild() -> int:
    """Rebuild the sources chart's kept counts from the referrals (beat, nightly): whatever a signal
    could not see (a raw SQL edit, a restored backup) lasts at most a day. Returns how many months
    and kinds were wrong."""
    return counts.rebuild()
