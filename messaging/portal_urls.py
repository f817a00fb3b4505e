"""A member's own threads in the portal (`portal:` namespace, frontdesk/portal_urls.py). Channels by
name ("private", "joint", "admin"), never a thread id."""

from django.urls import path

from messaging import views

urlpatterns = [
    path("portal/messages/", views.portal_messages, name="messages"),
    path("portal/messages/withdraw/<int:message_id>/", views.portal_withdraw, name="message_withdraw"),
    path("portal/messages/attachments/<int:attachment_id>/", views.portal_attachment, name="message_attachment"),
    path("portal/messages/<str:channel>/", views.portal_thread, name="message_thread"),
    path("portal/messages/<str:channel>/poll/", views.portal_poll, name="message_poll"),
]
