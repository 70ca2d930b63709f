"""Settings read from the environment as README's configuration table says."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

READ = """
import json
from config import settings as s
print(json.dumps({
    "DEBUG": s.DEBUG, "ALLOWED_HOSTS": s.ALLOWED_HOSTS, "CORS": s.CORS_ALLOWED_ORIGINS,
    "DB": s.DATABASES["default"], "SCHEDULER": s.LIVEBLOG_SCHEDULER_IN_PROCESS,
    "INTERVAL": s.LIVEBLOG_SCHEDULER_INTERVAL, "PROXY": s.SECURE_PROXY_SSL_HEADER,
    "HSTS": s.SECURE_HSTS_SECONDS, "MEDIA_ROOT": str(s.MEDIA_ROOT),
    "RATES": s.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "PROXIES": s.REST_FRAMEWORK["NUM_PROXIES"],
}, default=str))
"""

DOCUMENTED = (
    "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "DATABASE_URL", "DATABASE_CONN_MAX_AGE",
    "DATABASE_POOL_MAX_SIZE", "REDIS_URL", "CACHE_URL", "MEDIA_ROOT", "CORS_ALLOWED_ORIGINS", "API_ANON_RATE",
    "API_JOURNALIST_RATE", "API_NUM_PROXIES", "SCHEDULER_IN_PROCESS", "SCHEDULER_INTERVAL",
    "BEHIND_HTTPS_PROXY", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "LOG_LEVEL",
)


def settings_with(**variables) -> subprocess.CompletedProcess:
    environment = {name: value for name, value in os.environ.items() if name not in DOCUMENTED}
    result = subprocess.run(  # noqa: S603 - our own interpreter, our own code
        [sys.executable, "-c", READ], cwd=ROOT, env={**environment, **variables}, capture_output=True, text=True
    )
    return result


def read(**variables) -> dict:
    result = settings_with(**variables)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_with_nothing_set_the_embedded_default():
    found = read()
    assert found["DEBUG"] is True
    assert found["ALLOWED_HOSTS"] == ["127.0.0.1", "localhost", "[::1]"]
    assert found["DB"]["ENGINE"] == "django.db.backends.sqlite3"
    assert found["DB"]["NAME"] == str(ROOT / "db.sqlite3")
    assert found["DB"]["CONN_MAX_AGE"] == 0
    assert found["SCHEDULER"] is True
    assert found["INTERVAL"] == 5.0
    assert found["PROXY"] is None and found["HSTS"] == 0
    assert found["MEDIA_ROOT"] == str(ROOT / "media")
    assert found["RATES"] == {"anon": "60/min", "journalist": "600/min"} and found["PROXIES"] == 0


def test_production_values_are_read():
    found = read(
        DEBUG="0", SECRET_KEY="k" * 50, ALLOWED_HOSTS=" news.example , www.news.example,,",
        CORS_ALLOWED_ORIGINS="https://partner.example", DATABASE_URL="postgres://u:p@db:5432/liveblog",
        DATABASE_POOL_MAX_SIZE="10", REDIS_URL="redis://redis:6379/0", BEHIND_HTTPS_PROXY="1",
        SECURE_HSTS_SECONDS="3600", SCHEDULER_INTERVAL="2.5", MEDIA_ROOT="/data/media",
        API_ANON_RATE="10/min", API_NUM_PROXIES="1",
    )
    assert found["DEBUG"] is False
    assert found["ALLOWED_HOSTS"] == ["news.example", "www.news.example"]
    assert found["CORS"] == ["https://partner.example"]
    database = found["DB"]
    assert (database["ENGINE"], database["NAME"], database["HOST"], database["PORT"]) == (
        "django.db.backends.postgresql", "liveblog", "db", 5432,
    )
    assert database["OPTIONS"]["pool"] == {"min_size": 1, "max_size": 10, "timeout": 3, "reconnect_timeout": 2}
    assert database["CONN_HEALTH_CHECKS"] is True
    assert found["SCHEDULER"] is False  # REDIS_URL set: run_scheduler does it
    assert found["PROXY"] == ["HTTP_X_FORWARDED_PROTO", "https"] and found["HSTS"] == 3600
    assert found["INTERVAL"] == 2.5 and found["MEDIA_ROOT"] == "/data/media"
    assert found["RATES"]["anon"] == "10/min" and found["PROXIES"] == 1


def test_a_switch_set_to_nothing_keeps_its_default_and_an_empty_list_is_empty():
    found = read(DEBUG="", BEHIND_HTTPS_PROXY="", ALLOWED_HOSTS="")
    assert found["DEBUG"] is True and found["PROXY"] is None
    assert found["ALLOWED_HOSTS"] == []


def test_a_secret_key_is_taken_as_it_is():
    result = subprocess.run(  # noqa: S603 - our own interpreter, our own code
        [sys.executable, "-c", "from config import settings; print(settings.SECRET_KEY)"],
        cwd=ROOT, env={**os.environ, "DEBUG": "0", "SECRET_KEY": "$HOME-and-more"}, capture_output=True, text=True,
    )
    assert result.stdout.strip() == "$HOME-and-more", result.stderr


def test_debug_off_without_a_secret_key_refuses_to_start():
    result = settings_with(DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off." in result.stderr
