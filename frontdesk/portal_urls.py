"""The client portal: one namespace (`portal:`) for every app's portal pages.

Each app keeps its portal views and lists their patterns in its own `portal_urls.py`; this is the
only place that puts them together, with the portal home that composes them.
"""

from django.urls import path

from billing.portal_urls import urlpatterns as billing_portal
from clients.portal_urls import urlpatterns as clients_portal
from documents.portal_urls import urlpatterns as documents_portal
from frontdesk import portal
from measures.portal_urls import urlpatterns as measures_portal
from messaging.portal_urls import urlpatterns as messaging_portal
from resources.portal_urls import urlpatterns as resources_portal
from sessions_app.portal_urls import urlpatterns as sessions_portal

app_name = "portal"

urlpatterns = [
    path("portal/", portal.portal, name="home"),
    *clients_portal,
    *documents_portal,
    *sessions_portal,
    *resources_portal,
    *billing_portal,
    *measures_portal,
    *messaging_portal,
]
