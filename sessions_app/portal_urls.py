"""Booking, moving and cancelling in the portal (`portal:` namespace, frontdesk/portal_urls.py)."""

from django.urls import path

from sessions_app.views import booking, feed, join

urlpatterns = [
    path("portal/book/", booking.book, name="book"),
    path("portal/sessions/<int:appointment_id>/cancel/", booking.session_cancel, name="session_cancel"),
    path("portal/sessions/<int:appointment_id>/move/", booking.session_move, name="session_move"),
    path("portal/sessions/<int:appointment_id>/join/", join.session_join, name="session_join"),
    path("portal/calendar/", feed.portal_calendar, name="calendar"),
]
