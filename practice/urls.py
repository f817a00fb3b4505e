"""The practice's own small endpoints for our script (static/js/drafts.js): drafts and the idle clock;
and the person's own account page (language, date format)."""

from django.urls import path

from practice import views

app_name = "practice"

urlpatterns = [
    path("drafts/save/", views.draft_save, name="draft_save"),
    path("drafts/discard/", views.draft_discard, name="draft_discard"),
    path("session/keepalive/", views.session_keepalive, name="session_keepalive"),
    path("session/status/", views.session_status, name="session_status"),
    path("account/", views.preferences, name="preferences"),
]
