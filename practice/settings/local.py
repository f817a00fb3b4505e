"""The embedded default used by `make run` and `manage.py`: everything local, nothing to configure."""

from .base import *  # noqa: F403
from .base import DATABASES, SQLITE_WAL, env

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"]["init_command"] = SQLITE_WAL

DEBUG = env.bool("DEBUG", default=True)
