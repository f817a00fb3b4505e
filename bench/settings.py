"""Settings for `make bench`: the test settings (fixed keys, eager Celery, fast hashers) plus the
three floor views, no referral rate limit, and persistent connections as in production.

DATABASE_URL is set by bench/run.py before Django starts (a SQLite file under var/bench/ or a
throwaway PostgreSQL database).
"""

from practice.settings.test import *  # noqa: F403
from practice.settings.test import DATABASES, SQLITE_WAL, env

BENCH_URLS = True
ROOT_URLCONF = "bench.urls"
# Submissions are measured many times from one address: the limit would turn them into 429s.
REFERRAL_RATE_LIMIT = 10**9
DATABASES["default"]["CONN_MAX_AGE"] = 600
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # As `make run` runs it (practice/settings/local.py), not as the tests do.
    DATABASES["default"]["OPTIONS"]["init_command"] = SQLITE_WAL
DATABASES["default"].pop("TEST", None)
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
# The sender of the reminders part (bench/run.py SENDERS); the suite's own default otherwise.
if env.str("BENCH_EMAIL_BACKEND", default=""):
    EMAIL_BACKEND = env.str("BENCH_EMAIL_BACKEND")
# The signed-in page floor's template (bench/templates/).
TEMPLATES[0]["DIRS"] = [*TEMPLATES[0]["DIRS"], BASE_DIR / "bench" / "templates"]  # noqa: F405
