"""The client's own record pages, part of the portal (`portal:` namespace, frontdesk/portal_urls.py)."""

from django.urls import path

from clients.views import portal

urlpatterns = [
    path("portal/profile/", portal.profile, name="profile"),
    path("portal/intake/", portal.intake, name="intake"),
    path("portal/consents/", portal.consents, name="consents"),
    path("portal/consents/<int:consent_id>/withdraw/", portal.consent_withdraw, name="consent_withdraw"),
    path("portal/policy/acknowledge/", portal.policy_acknowledge, name="policy_acknowledge"),
    path("invitation/<str:uidb64>/<str:token>/", portal.invitation_accept, name="invitation_accept"),
]
