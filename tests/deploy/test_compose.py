"""docker-compose.yml cannot run on these machines (no Docker engine), so this reads it and checks
that it runs what `make prod` runs (deploy/run_prod.py): the same nginx configuration, the same
web and background commands, the same environment, and a restart policy and healthcheck each."""

import importlib.util
import re
import shlex
import subprocess

import pytest
import yaml
from django.conf import settings

from liveblog.models import PostImage
from tests.faults.harness import PROJECT


def load_run_prod():
    spec = importlib.util.spec_from_file_location("run_prod", PROJECT / "deploy" / "run_prod.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


run_prod = load_run_prod()
COMPOSE = yaml.safe_load((PROJECT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
TEMPLATE = (PROJECT / "deploy" / "nginx.conf").read_text()


def volume_mounts(service: dict) -> dict[str, str]:
    """Container path -> source, for each `source:target[:mode]` volume."""
    return {entry.split(":")[1]: entry.split(":")[0] for entry in service.get("volumes", [])}


def test_compose_runs_the_same_processes_as_make_prod():
    assert set(SERVICES) == {"nginx", "web", "scheduler", "db", "redis"}
    web_command = shlex.split(SERVICES["web"]["command"])
    assert web_command[:2] == ["sh", "-c"]
    steps = [shlex.split(step) for step in web_command[2].split("&&")]
    assert steps[:3] == [
        ["python", "manage.py", "migrate", "--noinput"],
        ["python", "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        ["python", "manage.py", "check", "--deploy", "--fail-level", "ERROR"],
    ]
    assert steps[3] == ["exec", "python", *run_prod.uvicorn_command(host="0.0.0.0", port="8000")]  # noqa: S104
    assert SERVICES["scheduler"]["command"] == ["python", *run_prod.SCHEDULER_COMMAND]


def test_compose_gives_the_app_the_environment_make_prod_gives_it():
    expected = run_prod.app_environment()
    for name in ("web", "scheduler"):
        environment = SERVICES[name]["environment"]
        assert set(environment) == set(expected), name
        assert environment["DEBUG"] == expected["DEBUG"] == "0"
        assert environment["DATABASE_POOL_MAX_SIZE"] == expected["DATABASE_POOL_MAX_SIZE"]
    # Only the proxy may set the client's address: nginx's own fixed address, as 127.0.0.1 locally.
    nginx_address = SERVICES["nginx"]["networks"]["backend"]["ipv4_address"]
    assert SERVICES["web"]["environment"]["FORWARDED_ALLOW_IPS"] == nginx_address
    assert expected["FORWARDED_ALLOW_IPS"] == "127.0.0.1"


def test_compose_nginx_serves_the_one_config_file_with_every_name_it_needs():
    nginx, web = SERVICES["nginx"], SERVICES["web"]
    mounts = volume_mounts(nginx)
    assert mounts["/etc/nginx/templates/default.conf.template"] == "./deploy/nginx.conf"
    needed = set(re.findall(r"\$\{(LIVEBLOG_\w+)\}", TEMPLATE))
    assert needed == set(run_prod.proxy_environment(run_prod.app_environment()))
    assert needed <= set(nginx["environment"])
    assert nginx["environment"]["NGINX_ENVSUBST_FILTER"] == "LIVEBLOG_"
    # It proxies to the web service's port and serves the very volumes the app writes.
    assert nginx["environment"]["LIVEBLOG_UPSTREAM"] == "web:8000"
    for root, variable in (("STATIC_ROOT", "LIVEBLOG_STATIC_ROOT"), ("MEDIA_ROOT", "LIVEBLOG_MEDIA_ROOT")):
        path = web["environment"][root]
        assert nginx["environment"][variable] == path
        assert volume_mounts(nginx)[path] == volume_mounts(web)[path]
    assert "ports" not in web, "the app is reached through nginx only"


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_every_compose_service_restarts_and_has_a_healthcheck(name):
    service = SERVICES[name]
    assert service["restart"] == "unless-stopped"
    assert service["healthcheck"]["test"][0] == "CMD"


def test_compose_starts_services_only_once_what_they_need_is_healthy():
    assert SERVICES["nginx"]["depends_on"] == {"web": {"condition": "service_healthy"}}
    assert SERVICES["web"]["depends_on"] == {
        "db": {"condition": "service_healthy"}, "redis": {"condition": "service_healthy"},
    }


def test_the_proxy_body_limit_agrees_with_djangos_upload_limits():
    limit = re.search(r"^client_max_body_size (\d+)m;", TEMPLATE, re.MULTILINE)
    proxy_limit = int(limit.group(1)) * 1024 * 1024
    # A full-size picture with its form fields gets through; much more than that does not.
    assert PostImage.MAX_BYTES < proxy_limit <= PostImage.MAX_BYTES + 4 * 1024 * 1024
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE < proxy_limit


def test_the_rendered_proxy_config_leaves_no_name_unfilled_and_keeps_nginx_variables():
    rendered = run_prod.render_proxy_config(run_prod.proxy_environment(run_prod.app_environment()))
    assert "${" not in rendered
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in rendered
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in rendered


# The http-level part of the official nginx image's own /etc/nginx/nginx.conf, which includes
# the rendered template from conf.d/: a directive set in both would stop nginx from starting.
IMAGE_MAIN_CONFIG = """
pid {runtime}/nginx.pid;
error_log stderr;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    keepalive_timeout 65;
    include {site};
}}
"""


def test_the_template_rendered_as_compose_renders_it_is_a_valid_nginx_config(tmp_path):
    values = {name: value for name, value in SERVICES["nginx"]["environment"].items() if name.startswith("LIVEBLOG_")}
    # nginx -t looks the upstream's host name up; "web" only exists on compose's network.
    values["LIVEBLOG_UPSTREAM"] = values["LIVEBLOG_UPSTREAM"].replace("web:", "127.0.0.1:")
    site = tmp_path / "default.conf"
    site.write_text(run_prod.render_proxy_config(values))
    main = tmp_path / "nginx.conf"
    main.write_text(IMAGE_MAIN_CONFIG.format(runtime=tmp_path, site=site))

    checked = subprocess.run(["nginx", "-t", "-q", "-p", str(tmp_path), "-c", str(main)],  # noqa: S603, S607
                             capture_output=True, text=True, timeout=30, check=False)
    assert checked.returncode == 0, checked.stderr
