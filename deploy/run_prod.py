"""`make prod`: the production shape on this machine, from Debian packages and without Docker.

nginx (deploy/nginx.conf) in front on 127.0.0.1:8080, one uvicorn with two worker processes
behind it, the background worker (`manage.py run_scheduler`), on the machine's PostgreSQL and
Redis, with DEBUG=0 and the environment docker-compose.yml gives its services. It prepares the
database (created if missing, migrated, the demo loaded), collects static files, prints
`check --deploy`, then supervises: Ctrl-C (or SIGTERM, or any of its processes dying) stops
everything it started.

Every setting can be overridden from the environment; the smoke test (tests/deploy/) runs this
script on its own PostgreSQL, Redis and free ports.
"""

import ctypes
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
NGINX_TEMPLATE = PROJECT / "deploy" / "nginx.conf"
RUNTIME = PROJECT / ".prod"  # the secret key and uploaded pictures of `make prod`, kept between runs

# Readers send only tiny frames; per-message deflate on every fan-out frame costs more CPU than it saves.
# A worker busy with a reconnect storm may miss the default 5 s health check, and killing it would
# drop all its sockets at once: 30 s still replaces a worker that really hangs.
UVICORN_OPTIONS = [
    "--workers", "2", "--ws-max-size", "16384", "--ws-per-message-deflate", "false",
    "--timeout-worker-healthcheck", "30",
]
SCHEDULER_COMMAND = ["manage.py", "run_scheduler"]


def app_environment() -> dict[str, str]:
    """What the web workers and the scheduler run with: docker-compose.yml's variables, with
    values for this machine (tests/deploy/test_compose.py checks that both name the same ones)."""
    values = {
        "DEBUG": "0",
        "SECRET_KEY": "",  # main() keeps one in .prod/ unless the environment gives one
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/liveblog_prod",
        "DATABASE_POOL_MAX_SIZE": "10",
        "REDIS_URL": "redis://127.0.0.1:6379/2",
        "CACHE_URL": "redis://127.0.0.1:6379/3",
        "MEDIA_ROOT": str(RUNTIME / "media"),
        "STATIC_ROOT": str(PROJECT / "staticfiles"),
        "SITE_URL": "http://127.0.0.1:8080/",
        # nginx runs on this host: only its address may tell uvicorn who the client is.
        "FORWARDED_ALLOW_IPS": "127.0.0.1",
    }
    return {name: os.environ.get(name, default) for name, default in values.items()}


def proxy_environment(app: dict[str, str]) -> dict[str, str]:
    """The values deploy/nginx.conf is rendered with."""
    http_port = os.environ.get("LIVEBLOG_HTTP_PORT", "8080")
    app_port = os.environ.get("LIVEBLOG_APP_PORT", "8081")
    return {
        "LIVEBLOG_LISTEN": f"127.0.0.1:{http_port}",
        "LIVEBLOG_UPSTREAM": f"127.0.0.1:{app_port}",
        "LIVEBLOG_STATIC_ROOT": app["STATIC_ROOT"],
        "LIVEBLOG_MEDIA_ROOT": app["MEDIA_ROOT"],
    }


def render_proxy_config(values: dict[str, str]) -> str:
    """deploy/nginx.conf with its ${LIVEBLOG_...} names filled in, as envsubst does in compose."""
    template = NGINX_TEMPLATE.read_text()
    missing = set(re.findall(r"\$\{(LIVEBLOG_\w+)\}", template)) - values.keys()
    if missing:
        raise SystemExit(f"deploy/nginx.conf needs {', '.join(sorted(missing))}")
    return re.sub(r"\$\{(LIVEBLOG_\w+)\}", lambda name: values[name.group(1)], template)


def nginx_main_config(*, runtime: Path, site: Path) -> str:
    """The main file around the site: what the official image's own nginx.conf provides in compose,
    with every path in `runtime` so no system nginx directory or daemon is touched."""
    # nginx creates these itself, owned by its worker user (nobody, when started as root).
    temp = {name: runtime / name for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")}
    return f"""daemon off;
worker_processes 2;
pid {runtime / "nginx.pid"};
error_log stderr warn;
events {{ worker_connections 4096; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    client_body_temp_path {temp["client_body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    include {site};
}}
"""


def uvicorn_command(*, host: str, port: str) -> list[str]:
    return ["-m", "uvicorn", "config.asgi:application", "--host", host, "--port", port, *UVICORN_OPTIONS]


def _kept_secret_key() -> str:
    """One key for every `make prod` run, so sign-ins survive a restart; never committed (.prod/)."""
    path = RUNTIME / "secret_key"
    if not path.exists():
        RUNTIME.mkdir(exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(50))
    return path.read_text().strip()


def _die_with_parent() -> None:
    """Children get SIGTERM if the supervisor itself is killed, so nothing is left behind."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def _database_ensure(database_url: str) -> None:
    """Create the database named in DATABASE_URL when its server does not have it yet."""
    import psycopg
    from psycopg import sql

    url = urllib.parse.urlsplit(database_url)
    name = url.path.lstrip("/")
    server = urllib.parse.urlunsplit(url._replace(path="/postgres"))
    with psycopg.connect(server, autocommit=True, connect_timeout=5) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            print(f"prod: creating database {name}", flush=True)
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


class Supervisor:
    def __init__(self, env: dict[str, str]):
        self.env = env
        self.children: dict[str, subprocess.Popen] = {}

    def run_step(self, *args: str) -> str:
        done = subprocess.run([sys.executable, *args], cwd=PROJECT, env=self.env,  # noqa: S603 - our commands
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"prod: {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        return done.stdout + done.stderr

    def start(self, name: str, command: list[str]) -> None:
        self.children[name] = subprocess.Popen(command, cwd=PROJECT, env=self.env,  # noqa: S603
                                               preexec_fn=_die_with_parent)

    def stop(self) -> None:
        """SIGTERM to everything still running (uvicorn stops its workers, nginx its own), then
        SIGKILL to whatever has not gone after 10 s."""
        for child in self.children.values():
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + 10
        for child in self.children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()

    def watch(self) -> int:
        """Until one process exits: the whole shape stops with it rather than limp on half-served."""
        while True:
            for name, child in self.children.items():
                if child.poll() is not None:
                    print(f"prod: {name} exited with {child.returncode}; stopping everything", flush=True)
                    return 1
            time.sleep(0.5)


def _port_open(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=0.5).close()
        return True
    except OSError:
        return False


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our loopback address
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _interrupt(*_) -> None:
    raise KeyboardInterrupt


def main() -> int:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        raise SystemExit("prod: nginx is needed (apt-get install nginx)")
    env = {**os.environ, **app_environment(), "PYTHONUNBUFFERED": "1"}
    env["SECRET_KEY"] = env["SECRET_KEY"] or _kept_secret_key()
    proxy = proxy_environment(env)
    Path(env["MEDIA_ROOT"]).mkdir(parents=True, exist_ok=True)
    runtime = Path(tempfile.mkdtemp(prefix="liveblog-prod-"))
    runtime.chmod(0o755)  # nginx's workers buffer uploads in here
    supervisor = Supervisor(env)
    # SIGTERM (from a test, or systemd) shuts down the same way as Ctrl-C; SIGINT is set too, since
    # a shell starting us in the background hands it down ignored.
    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop_signal, _interrupt)
    try:
        _database_ensure(env["DATABASE_URL"])
        supervisor.run_step("manage.py", "migrate", "--noinput", "--verbosity", "0")
        supervisor.run_step("manage.py", "collectstatic", "--noinput", "--verbosity", "0")
        print("prod: " + supervisor.run_step("manage.py", "load_demo").strip(), flush=True)
        print(supervisor.run_step("manage.py", "check", "--deploy", "--fail-level", "ERROR").strip(), flush=True)

        site = runtime / "liveblog.conf"
        site.write_text(render_proxy_config(proxy))
        main_config = runtime / "nginx.conf"
        main_config.write_text(nginx_main_config(runtime=runtime, site=site))
        nginx_command = [nginx, "-p", str(runtime), "-c", str(main_config)]
        subprocess.run([*nginx_command, "-t", "-q"], check=True)  # noqa: S603 - a config error stops here

        host, port = proxy["LIVEBLOG_UPSTREAM"].rsplit(":", 1)
        supervisor.start("web", [sys.executable, *uvicorn_command(host=host, port=port)])
        supervisor.start("scheduler", [sys.executable, *SCHEDULER_COMMAND])
        deadline = time.monotonic() + 60
        while not _port_open(host, int(port)):  # nginx would only answer 502 until then
            if time.monotonic() > deadline or supervisor.children["web"].poll() is not None:
                print("prod: uvicorn did not start", flush=True)
                return 1
            time.sleep(0.3)
        supervisor.start("nginx", nginx_command)
        address = f"http://{proxy['LIVEBLOG_LISTEN']}/"
        deadline = time.monotonic() + 60
        while not _answers(address):
            if time.monotonic() > deadline or any(c.poll() is not None for c in supervisor.children.values()):
                print("prod: the site did not come up", flush=True)
                return 1
            time.sleep(0.3)
        print(f"prod: serving on {address} (Ctrl-C stops everything)", flush=True)
        return supervisor.watch()
    except KeyboardInterrupt:
        print("prod: stopping", flush=True)
        return 0
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the shutdown short
        supervisor.stop()
        shutil.rmtree(runtime, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
