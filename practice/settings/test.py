"""Settings for the test suite: fixed keys, fast hashers, in-memory email, eager Celery.

The database is SQLite unless DATABASE_URL points at the throwaway PostgreSQL that `make test`
starts. Tests that need a real broker (marked `redis`) use TEST_REDIS_URL.
"""

import os
import tempfile

# One scratch var/ for every test process (nothing in it matters: the keys below override it).
os.environ.setdefault("PRACTICE_VAR_DIR", os.path.join(tempfile.gettempdir(), "practice-test-var"))

from .base import *  # noqa: F403
from .base import DATABASES, FRAGMENTS_CACHE, env

DEBUG = False
SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105
# Fixed test keys (newest first). Never used outside tests.
FIELD_ENCRYPTION_KEY = ["tGhh2cPxvPcXakfN3zmX3dnJ7ywC0vMzk6Gx2xVmYJQ="]
BACKUP_ENCRYPTION_KEY = "8u2LrM3bHq0pZ6sVwY1xN5cE9tJ4kA7dF0gR3hU6iOQ="  # of its own, never a field key
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SMS_BACKEND = "outbox.channels.LocmemSMSBackend"
# A real worker started by a test writes its email here, so the test can count what was sent.
if env.str("TEST_EMAIL_FILE_PATH", default=""):
    EMAIL_BACKEND = "tests.testapp.email.SlowFileBackend"
    EMAIL_FILE_PATH = env.str("TEST_EMAIL_FILE_PATH")
TEST_EMAIL_DELAY_SECONDS = env.float("TEST_EMAIL_DELAY_SECONDS", default=0.0)
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}, "fragments": FRAGMENTS_CACHE}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# A real worker started by a test (tests/outbox/test_outbox_worker.py) sends its tasks to the broker.
CELERY_TASK_ALWAYS_EAGER = env.bool("TEST_CELERY_ALWAYS_EAGER", default=True)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="memory://")
TEST_REDIS_URL = env.str("TEST_REDIS_URL", default="")

INSTALLED_APPS = [*INSTALLED_APPS, "tests.testapp"]  # noqa: F405  (models that exercise the primitives)

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory: the concurrency tests need real connections from several threads.
    # One file per test process, so two runs at once never share it.
    DATABASES["default"]["TEST"] = {"NAME": os.path.join(os.environ["PRACTICE_VAR_DIR"], f"test-{os.getpid()}.sqlite3")}
else:
    DATABASES["default"]["CONN_MAX_AGE"] = 0
WHITENOISE_AUTOREFRESH = True  # no collectstatic in tests
