"""Static checks of the production stack (docker-compose.yml, Dockerfile, .env.example): no database, no Docker."""

import base64
import os
import re
import shlex
from pathlib import Path

import pytest
import yaml

from practice.keys import REQUIRED_IN_PRODUCTION

ROOT = Path(__file__).resolve().parents[2]
COMPOSE, DOCKERFILE, ENV_EXAMPLE = ROOT / "docker-compose.yml", ROOT / "Dockerfile", ROOT / ".env.example"

SECRET_NAME = re.compile(r"SECRET|PASSWORD|KEY|TOKEN", re.IGNORECASE)
REQUIRED_REF = re.compile(r"\$\{\w+(?::?\?[^}]*)?\}")  # ${VAR} or ${VAR:?msg}; ${VAR:-x} writes x into the file
URL_PASSWORD = re.compile(r"://[^/\s:@]+:([^@\s]+)@")
FERNET_LIKE = re.compile(r"(?<![\w-])[\w-]{43}=")
COMPOSE_VAR = re.compile(r"(?<!\$)\$\{?([A-Za-z_]\w*)")  # $$ is an escape for the container's shell
CELERY_WORKER, CELERY_BEAT = re.compile(r"\bcelery\b.*\sworker\b"), re.compile(r"\bcelery\b.*\sbeat\b")
EMBEDDED_BEAT = re.compile(r"(?:^|\s)(?:-B|--beat)(?:\s|$)")
# What production.py refuses to start without, plus what the compose file and the emails need.
PRODUCTION_VARS = {*REQUIRED_IN_PRODUCTION, "EMAIL_URL", "DJANGO_SETTINGS_MODULE", "POSTGRES_PASSWORD"}
PRODUCTION_VARS |= {"CSRF_TRUSTED_ORIGINS", "DEFAULT_FROM_EMAIL", "PRACTICE_NAME", "POSTGRES_DB", "POSTGRES_USER"}


def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def services() -> dict:
    return compose()["services"]


def as_text(value: str | list) -> str:
    return value if isinstance(value, str) else shlex.join(value)


def env_items(service: dict) -> list[tuple[str, str | None]]:
    env = service.get("environment") or {}
    if isinstance(env, list):  # ["KEY=value", "PASSED_THROUGH"]
        return [(item.partition("=")[0], item.partition("=")[2] if "=" in item else None) for item in env]
    return [(key, None if value is None else str(value)) for key, value in env.items()]


def is_literal_secret(key: str, value: str) -> bool:
    if SECRET_NAME.search(key):
        return not REQUIRED_REF.fullmatch(value)
    url = URL_PASSWORD.search(value)
    return bool(url) and not REQUIRED_REF.fullmatch(url.group(1))


def secret_leaks(doc: dict) -> list[str]:
    """`service.KEY` for each environment value that writes a secret into the compose file itself."""
    return [
        f"{name}.{key}"
        for name, service in doc.get("services", {}).items()
        for key, value in env_items(service)
        if value is not None and is_literal_secret(key, value)  # None: passed through from the shell
    ]


def env_example() -> dict[str, str]:
    lines = [line for line in ENV_EXAMPLE.read_text().splitlines() if line.strip() and not line.startswith("#")]
    return {key.strip(): value.strip() for key, _, value in (line.partition("=") for line in lines)}


def module_exists(module: str) -> bool:
    base = ROOT.joinpath(*module.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def test_it_defines_the_five_services():
    missing = {"postgres", "redis", "web", "worker", "beat"} - services().keys()
    assert not missing, f"docker-compose.yml lacks services: {sorted(missing)}"


def test_postgres_is_version_15():
    image = services()["postgres"].get("image", "")
    assert image.startswith("postgres:15"), f"postgres must use a postgres:15 image, not {image!r}"


def test_postgres_never_logs_statements_or_their_values():
    command = compose()["services"]["postgres"]["command"]
    settings = dict(arg.split("=", 1) for arg in command if "=" in arg)
    assert command[0] == "postgres" and command.count("-c") == len(settings)
    logging = {key: value for key, value in settings.items() if key.startswith("log_")}
    assert logging == {
        "log_min_error_statement": "panic",  # a failing statement is not copied into the log
        "log_statement": "none",
        "log_min_duration_statement": "-1",
        "log_error_verbosity": "terse",  # no DETAIL line repeating a clashing key's values
    }


def test_postgres_plans_for_ssd_storage_as_the_benchmarks_measured_it():
    """docs/scaling.md: index reads cost about what sequential ones do (bin/bench and bin/loadtest start
    their throwaway servers with the same value)."""
    command = compose()["services"]["postgres"]["command"]
    settings = dict(arg.split("=", 1) for arg in command if "=" in arg)
    assert settings["random_page_cost"] == "1.1"
    for script in ("bin/bench", "bin/loadtest"):
        assert "-c random_page_cost=1.1" in (ROOT / script).read_text()


def test_postgres_data_lives_in_a_named_volume():
    doc = compose()
    mounts = [v.split(":")[:2] for v in doc["services"]["postgres"].get("volumes", []) if isinstance(v, str)]
    sources = [source for source, target in mounts if target == "/var/lib/postgresql/data"]
    assert sources and sources[0] in (doc.get("volumes") or {}), f"no named volume at the data dir: {mounts}"


@pytest.mark.parametrize(("name", "probe"), [("postgres", "pg_isready"), ("redis", "redis-cli ping")])
def test_datastore_has_a_healthcheck(name, probe):
    check = as_text((services()[name].get("healthcheck") or {}).get("test", ""))
    assert probe in check, f"{name} needs a healthcheck running {probe!r}, has {check!r}"


def test_web_waits_for_healthy_postgres_and_redis():
    depends = services()["web"].get("depends_on")
    assert isinstance(depends, dict), "web.depends_on must use the long form with conditions"
    for name in ("postgres", "redis"):
        assert (depends.get(name) or {}).get("condition") == "service_healthy", f"web must wait for healthy {name}"


def test_web_migrates_then_serves_the_wsgi_app():
    command = as_text(services()["web"].get("command", ""))
    assert re.search(r"migrate.*gunicorn practice\.wsgi:application", command), f"web command: {command!r}"


def test_exactly_one_service_runs_beat():
    beats = [name for name, s in services().items() if CELERY_BEAT.search(as_text(s.get("command", "")))]
    assert len(beats) == 1, f"exactly one service must run celery beat, found {beats}"
    replicas = (services()[beats[0]].get("deploy") or {}).get("replicas", 1)
    assert replicas == 1, f"{beats[0]} must not be replicated, replicas={replicas}"


def test_no_worker_embeds_beat():
    commands = {name: as_text(s.get("command", "")) for name, s in services().items()}
    workers = {name: cmd for name, cmd in commands.items() if CELERY_WORKER.search(cmd)}
    assert workers, "no service runs a celery worker"
    embedded = [name for name, cmd in workers.items() if EMBEDDED_BEAT.search(cmd)]
    assert not embedded, f"workers must not run an embedded beat (-B), beat is its own service: {embedded}"


def test_commands_name_modules_that_exist():
    texts = [as_text(s.get("command", "")) for s in services().values()] + [DOCKERFILE.read_text()]
    modules = set()
    for text in texts:
        # `celery -A practice` loads the app from practice/celery.py (the Django + Celery layout).
        apps = re.findall(r"(?:-A|--app)[ =]([\w.]+)", text)
        modules.update(app if app.endswith(".celery") else f"{app}.celery" for app in apps)
        modules.update(re.findall(r"([\w.]+):application\b", text))
    assert {"practice.celery", "practice.wsgi"} <= modules, f"expected celery and wsgi references, found {modules}"
    missing = sorted(module for module in modules if not module_exists(module))
    assert not missing, f"commands reference modules with no file in the repo: {missing}"


def test_dockerfile_runs_gunicorn_on_the_wsgi_app():
    cmd = re.findall(r"^CMD\s.*$", DOCKERFILE.read_text().replace("\\\n", " "), re.MULTILINE)
    assert cmd and "gunicorn" in cmd[-1] and "practice.wsgi:application" in cmd[-1], f"Dockerfile CMD: {cmd}"


def test_dockerfile_bakes_no_secret_into_env():
    lines = re.findall(r"^(?:ENV|ARG)\s.*$", DOCKERFILE.read_text().replace("\\\n", " "), re.MULTILINE)
    baked = [line for line in lines if SECRET_NAME.search(line) or "_URL" in line]
    assert not baked, f"build-only values must stay inline in the RUN line, not ENV/ARG: {baked}"


def test_compose_writes_no_secret_in_environment():
    leaks = secret_leaks(compose())
    assert not leaks, f"use ${{VAR}} references or env_file for: {leaks}"


@pytest.mark.parametrize("path", [COMPOSE, DOCKERFILE, ENV_EXAMPLE], ids=lambda path: path.name)
def test_file_holds_nothing_like_a_fernet_key(path):
    assert not FERNET_LIKE.search(path.read_text()), f"{path.name} contains what looks like a Fernet key"


@pytest.mark.parametrize("name", ["web", "worker", "beat"])
def test_app_service_reads_env_file_and_production_settings(name):
    service = services()[name]
    env_files = service.get("env_file") or []
    assert ".env" in ([env_files] if isinstance(env_files, str) else env_files), f"{name} must read .env"
    settings = dict(env_items(service)).get("DJANGO_SETTINGS_MODULE")
    assert settings == "practice.settings.production", f"{name} runs with {settings!r}"


def test_every_compose_variable_is_documented():
    text = "\n".join(line for line in COMPOSE.read_text().splitlines() if not line.lstrip().startswith("#"))
    undocumented = set(COMPOSE_VAR.findall(text)) - env_example().keys()
    assert not undocumented, f"add to .env.example: {sorted(undocumented)}"


def test_env_example_lists_every_production_variable():
    missing = PRODUCTION_VARS - env_example().keys()
    assert not missing, f".env.example lacks: {sorted(missing)}"


def test_env_example_secrets_are_placeholders():
    secrets = {key: value for key, value in env_example().items() if is_literal_secret(key, value)}
    assert {"SECRET_KEY", "FIELD_ENCRYPTION_KEY", "POSTGRES_PASSWORD"} <= secrets.keys()
    real = [key for key, value in secrets.items() if "change-me" not in value]
    assert not real, f".env.example secrets must be change-me placeholders: {real}"


def test_checks_flag_a_bad_compose_document():
    db_env = {"POSTGRES_PASSWORD": "hunter2", "API_TOKEN": "${TOKEN:-abc}", "PG_PASSWORD": "${PG_PASSWORD:?set}"}
    web_env = ["DATABASE_URL=postgres://u:hunter2@db/x", "SECRET_KEY=${SECRET_KEY}", "REDIS_PASSWORD"]
    bad = {"services": {"db": {"environment": db_env}, "web": {"environment": web_env}}}
    assert secret_leaks(bad) == ["db.POSTGRES_PASSWORD", "db.API_TOKEN", "web.DATABASE_URL"]
    assert FERNET_LIKE.search(f"KEY={base64.urlsafe_b64encode(os.urandom(32)).decode()}\n")
