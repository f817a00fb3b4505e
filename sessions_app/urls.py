from django.urls import path

from sessions_app import views

app_name = "sessions_app"

urlpatterns = [
    path("portal/", views.portal, name="portal"),
    path("schedule/", views.schedule, name="schedule"),
]
