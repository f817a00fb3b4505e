"""The root URL conf: every app's pages, the portal under one namespace, the admin behind allauth."""

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from frontdesk import activity, views
from outbox import views as outbox_views
from practice import views as practice_views

# The admin has no sign-in of its own: it goes through allauth, second factor included.
admin.autodiscover()
admin.site.login = secure_admin_login(admin.site.login)

# Both render without the request or the database (practice.views); the 404 page is Django's own view.
handler400 = "practice.views.bad_request"
handler500 = "practice.views.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("healthz/", practice_views.healthz, name="healthz"),
    path("", include("practice.urls")),
    path("outbox/", outbox_views.outbox, name="outbox"),
    path("sms/twilio/status/", outbox_views.twilio_status, name="twilio_status"),
    path("activity/", include((activity.urlpatterns, "activity"))),
    path("accounts/email/", views.account_email),  # before allauth's own: clients are sent elsewhere
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("clients/", include("clients.urls")),
    path("", include("documents.urls")),
    path("", include("frontdesk.portal_urls")),
    path("", include("sessions_app.urls")),
    path("", include("referrals.urls")),
    path("", include("resources.urls")),
    path("", include("billing.urls")),
    path("", include("measures.urls")),
    path("", include("messaging.urls")),
]
