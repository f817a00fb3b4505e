# Production image: the same image runs web (gunicorn), worker and beat (see docker-compose.yml).
FROM python:3.11-slim

# WEB_CONCURRENCY is gunicorn's default worker count; about (2 x cores) + 1 on the host, so
# override it in .env rather than baking a number into the command.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=practice.settings.production \
    WEB_CONCURRENCY=3

RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --home-dir /app --shell /usr/sbin/nologin app

WORKDIR /app

# Requirements first, so code changes do not reinstall every package.
COPY requirements.txt .
RUN pip install -r requirements.txt

# Code and collected static files stay owned by root: the app user can read them, not change them.
COPY . .

# collectstatic imports the production settings, which refuse to start without their secrets
# (practice/keys.py: SECRET_KEY of 40+ characters, a valid Fernet key, PostgreSQL and Redis URLs,
# plus EMAIL_URL). These values exist only for this one command, not as ENV, so they never reach
# the image's environment; the Fernet key is random per build and thrown away. Nothing connects to
# the database or Redis here. The real values come from .env at run time.
RUN SECRET_KEY=build-only-not-a-secret-used-by-collectstatic-only \
    FIELD_ENCRYPTION_KEY="$(python -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())')" \
    DATABASE_URL=postgres://x@localhost/x \
    REDIS_URL=redis://localhost:6379/0 \
    ALLOWED_HOSTS=localhost \
    EMAIL_URL=consolemail:// \
    python manage.py collectstatic --noinput

# The one writable place under /app, in case anything needs scratch space at run time.
RUN mkdir -p /app/var/media && chown -R app:app /app/var

USER app

EXPOSE 8000

# No HEALTHCHECK here: worker and beat use this image too and serve no HTTP. The web service's
# health check lives in docker-compose.yml.
# No access log: request paths can carry secrets (calendar-feed and reminder-link tokens); Django logs
# errors with those paths redacted (practice/logging.py), and the TLS proxy can log what it must.
CMD ["gunicorn", "practice.wsgi:application", "--bind", "0.0.0.0:8000", "--error-logfile", "-"]
