"""The embedded default used by `make run` and `manage.py`: everything local, nothing to configure."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
