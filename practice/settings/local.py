"""The embedded default used by `make run` and `manage.py`: everything local, nothing to configure."""

from practice.keys import embedded_secret

from .base import *  # noqa: F403
from .base import BACKUP_ENCRYPTION_KEY, DATABASES, SQLITE_WAL, STORAGES, VAR_DIR, env

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"]["init_command"] = SQLITE_WAL

# Like the product a newcomer will judge: no debug pages unless asked for (DEBUG=1).
DEBUG = env.bool("DEBUG", default=False)
if not DEBUG:
    # runserver serves no static files without DEBUG: WhiteNoise serves them from the apps' and
    # the project's folders directly, with no collectstatic step.
    WHITENOISE_USE_FINDERS = True
    WHITENOISE_AUTOREFRESH = True
    STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}

BACKUP_ENCRYPTION_KEY = BACKUP_ENCRYPTION_KEY or embedded_secret(VAR_DIR / "backup_encryption_key", kind="fernet")

# The local database, keys, broker and outbox are the owner's alone.
VAR_DIR.mkdir(parents=True, exist_ok=True)
VAR_DIR.chmod(0o700)
