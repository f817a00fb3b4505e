"""The client's questionnaires in the portal (`portal:` namespace, frontdesk/portal_urls.py)."""

from django.urls import path

from measures import portal

urlpatterns = [
    path("portal/check-ins/", portal.measures, name="measures"),
    path("portal/check-ins/<int:request_id>/", portal.measure, name="measure"),
]
