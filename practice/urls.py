from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from practice import views

# The admin has no sign-in of its own: it goes through allauth, second factor included.
admin.autodiscover()
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = admin.site.site_title = "Practice administration"

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("healthz/", views.healthz, name="healthz"),
    path("outbox/", views.outbox, name="outbox"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("clients/", include("clients.urls")),
    path("", include("clients.portal_urls")),
    path("", include("sessions_app.urls")),
    path("", include("referrals.urls")),
    path("", include("resources.urls")),
]
