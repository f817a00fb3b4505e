"""Production: PostgreSQL, Redis, SMTP, real secrets. Only hardening lives here.

The checks run before base.py is imported, so a missing or malformed secret stops start-up with a
message that names it, and nothing is ever generated into var/ on a server.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from practice.keys import check_production_environment

check_production_environment(os.environ)

from .base import *  # noqa: E402, F403
from .base import env  # noqa: E402

DEBUG = False
ALLOW_DEMO_DATA = False

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]  # the container health check speaks plain HTTP
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# The preload directive lets the domain be submitted to browsers' built-in HTTPS-only list, which
# protects even the first visit. Submitting is a separate, deliberate step (hstspreload.org) and
# binds every subdomain of the registered domain; set SECURE_HSTS_PRELOAD=false to opt out.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# __Host- cookies are only accepted over HTTPS, for this exact host and path /: no subdomain can
# set or overwrite them (session fixation via a sibling host).
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"
# Referrer-Policy, nosniff, X-Frame-Options DENY, the Content-Security-Policy and no-store for
# signed-in pages apply in every environment (base.py and practice.session_security).

if not env.str("EMAIL_URL", default=""):
    raise ImproperlyConfigured("EMAIL_URL is required in production (e.g. smtp+tls://user:pass@host:587).")
