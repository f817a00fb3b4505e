"""The practice's side of messaging (`messaging:` namespace)."""

from django.urls import path

from messaging import views

app_name = "messaging"

urlpatterns = [
    path("messages/", views.inbox, name="inbox"),
    path("messages/notices/", views.notice_preference, name="notice_preference"),
    path("messages/clients/<int:client_id>/<str:channel>/", views.thread, name="thread"),
    path("messages/clients/<int:client_id>/<str:channel>/poll/", views.poll, name="poll"),
    path("messages/withdraw/<int:message_id>/", views.withdraw, name="withdraw"),
    path("messages/attachments/<int:attachment_id>/", views.attachment, name="attachment"),
]
