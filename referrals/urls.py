"""URLs of the referrals app: the public form under /refer/, triage under /referrals/."""

from django.urls import path

from referrals.views import letters, public, triage

app_name = "referrals"

urlpatterns = [
    path("refer/", public.refer, name="refer"),
    path("refer/thanks/", public.thanks, name="thanks"),
    path("referrals/", triage.triage, name="triage"),
    path("referrals/report/", triage.report, name="report"),
    path("referrals/<int:referral_id>/", triage.referral_detail, name="detail"),
    path("referrals/<int:referral_id>/contacted/", triage.referral_contacted, name="contacted"),
    path("referrals/<int:referral_id>/accept/", triage.referral_accept, name="accept"),
    path("referrals/<int:referral_id>/waitlist/", triage.referral_waitlist, name="waitlist"),
    path("referrals/<int:referral_id>/decline/", triage.referral_decline, name="decline"),
    path("referrals/<int:referral_id>/refer-on/", triage.referral_refer_on, name="refer_on"),
    path("referrals/<int:referral_id>/letter/", letters.letter, name="letter"),
]
