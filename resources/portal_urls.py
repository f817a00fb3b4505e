"""The client's assignments and workshops in the portal (`portal:` namespace, frontdesk/portal_urls.py)."""

from django.urls import path

from resources.views import portal

urlpatterns = [
    path("portal/assignments/", portal.assignments, name="assignments"),
    path("portal/assignments/<int:assignment_id>/", portal.assignment, name="assignment"),
    path("portal/assignments/<int:assignment_id>/open/", portal.assignment_open, name="assignment_open"),
    path("portal/assignments/<int:assignment_id>/progress/", portal.progress, name="progress"),
    path("portal/assignments/<int:assignment_id>/stages/<int:step_id>/", portal.progress, name="step_progress"),
    path("portal/workshops/", portal.workshops, name="workshops"),
    path("portal/workshops/<int:workshop_id>/register/", portal.workshop_register, name="workshop_register"),
    path("portal/workshops/<int:workshop_id>/cancel/", portal.workshop_cancel, name="workshop_cancel"),
]
