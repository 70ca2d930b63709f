"""Real parts for fault tests: a Redis and a PostgreSQL of the test's own, and the app in its
production shape (two uvicorn workers, Redis pub/sub, the connection pool) running on them.

Faults are caused on these instances only: the machine's shared PostgreSQL and Redis are never
stopped, frozen or flushed. Every process started here is stopped again, also when a test fails.
"""

import functools
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(check, *, timeout: float, what: str, interval: float = 0.05):
    """Poll `check` until it returns something truthy; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} (waited {timeout:.0f} s)")
        time.sleep(interval)


def _port_open(port: int, host: str = "127.0.0.1") -> bool:
    try:
        socket.create_connection((host, port), timeout=0.5).close()
        return True
    except OSError:
        return False


class OwnRedis:
    """A redis-server on a free port, kept in memory only, that the test may stop or freeze.

    `host` is the address it listens on; `run_in` a command prefix that starts it elsewhere
    (`ip netns exec <host>` for the cluster test's host C)."""

    def __init__(self, directory: Path, *, host: str = "127.0.0.1", run_in: Sequence[str] = ()):
        self.port = free_port()
        self.host = host
        self.run_in = list(run_in)
        self.directory = directory
        self.process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://{self.host}:{self.port}/{db}"

    def start(self) -> None:
        # Without a password Redis refuses clients from other addresses ("protected mode"); the
        # test's hosts share a private bridge, so the cluster test's Redis must let them in.
        self.process = subprocess.Popen(  # noqa: S603 - fixed arguments
            [*self.run_in, shutil.which("redis-server") or "redis-server", "--port", str(self.port),
             "--bind", self.host, "--protected-mode", "no", "--save", "", "--appendonly", "no",
             "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL,
        )
        wait_until(lambda: _port_open(self.port, self.host), timeout=10, what="the test's redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.thaw()
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def freeze(self) -> None:
        """SIGSTOP: connections stay open but nothing answers, like a Redis stuck on a slow disk."""
        os.kill(self.process.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        if self.process is not None:
            os.kill(self.process.pid, signal.SIGCONT)


def _postgres_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if not found:
        raise RuntimeError("PostgreSQL's server binaries (initdb, pg_ctl) are needed for fault tests")
    return Path(found[-1]).parent


class OwnPostgres:
    """A PostgreSQL cluster of the test's own (initdb in a temporary directory), on a free port.

    `host` is the address it listens on, `clients` the network (CIDR) whose connections it
    trusts besides its own, and `run_in` a command prefix that starts it elsewhere."""

    def __init__(self, directory: Path, *, host: str = "127.0.0.1", clients: str | None = None,
                 run_in: Sequence[str] = ()):
        self.port = free_port()
        self.host = host
        self.clients = clients
        self.run_in = list(run_in)
        self.directory = directory
        self.extra_options = ""  # more `-c name=value` for the server (benches load extensions)
        self.data = directory / "data"
        self.bin = _postgres_bin()
        # PostgreSQL refuses to run as root; as root, run it as the postgres system user.
        self.as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    @property
    def url(self) -> str:
        return f"postgres://postgres@{self.host}:{self.port}/liveblog"

    def _run(self, *command: str) -> None:
        subprocess.run([*self.run_in, *self.as_owner, *command], check=True, capture_output=True, timeout=60)  # noqa: S603

    def init(self) -> None:
        if self.as_owner:
            shutil.chown(self.directory, user="postgres")
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync")
        if self.clients:
            with open(self.data / "pg_hba.conf", "a") as rules:
                rules.write(f"host all all {self.clients} trust\n")
        self.start()
        self._run(str(self.bin / "createdb"), "-h", self.host, "-p", str(self.port), "-U", "postgres", "liveblog")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses={self.host} -c fsync=off {self.extra_options}"
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-l",
                  str(self.directory / "postgres.log"), "-w", "start")

    def stop(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def close(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.stop()


class Site:
    """Somewhere the app answers HTTP: a set of workers, or a proxy in front of several."""

    base_url: str

    def api(self, method: str, path: str, *, token: str | None = None, body: dict | None = None,
            headers: dict | None = None) -> tuple[int, dict]:
        request = urllib.request.Request(  # noqa: S310 - our loopback URL
            self.base_url + path, method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Content-Type": "application/json", **(headers or {}),
                     **({"Authorization": f"Token {token}"} if token else {})},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as failure:
            body = failure.read()
            try:
                return failure.code, json.loads(body or b"{}")
            except ValueError:  # a proxy's own error page, not the app's JSON
                return failure.code, {"detail": body.decode(errors="replace")[:200]}


class ProductionShape(Site):
    """The app as production runs it (DEBUG=0, two uvicorn workers, Redis pub/sub, a pool).

    `host` is the address the workers listen on and `run_in` a command prefix that starts them
    elsewhere (`ip netns exec <host>`); `env` overrides settings (hosts sharing one database
    share one SECRET_KEY)."""

    def __init__(self, *, postgres: OwnPostgres, redis: OwnRedis, directory: Path,
                 host: str = "127.0.0.1", run_in: Sequence[str] = (), env: dict | None = None):
        self.port = free_port()
        self.host = host
        self.run_in = list(run_in)
        self.base_url = f"http://{host}:{self.port}"
        self.env = {
            **os.environ,
            "DEBUG": "0",
            "SECRET_KEY": "fault-tests-" + os.urandom(16).hex(),
            "ALLOWED_HOSTS": host,
            "DATABASE_URL": postgres.url,
            "DATABASE_POOL_MAX_SIZE": "10",
            "REDIS_URL": redis.url(0),
            "CACHE_URL": redis.url(1),
            "MEDIA_ROOT": str(directory / "media"),
            "SCHEDULER_IN_PROCESS": "0",
            "API_JOURNALIST_RATE": "100000/min",
            "API_ANON_RATE": "100000/min",
            "LOG_LEVEL": "WARNING",
            **(env or {}),
        }
        self.process: subprocess.Popen | None = None

    def manage(self, *args: str) -> str:
        done = subprocess.run(  # noqa: S603 - fixed arguments
            [sys.executable, "manage.py", *args], cwd=PROJECT, env=self.env,
            capture_output=True, text=True, timeout=120,
        )
        if done.returncode != 0:
            raise RuntimeError(f"manage.py {args[0]} failed:\n{done.stderr[-3000:]}")
        return done.stdout

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - fixed arguments
            [*self.run_in, sys.executable, "-m", "uvicorn", "config.asgi:application", "--host", self.host,
             "--port", str(self.port), "--workers", "2", "--no-access-log",
             "--ws-max-size", "16384", "--ws-per-message-deflate", "false"],
            cwd=PROJECT, env=self.env,
        )
        wait_until(lambda: len(self.worker_pids()) == 2 and self._answers(), timeout=60,
                   what="the production-shape app did not start", interval=0.2)

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(self.base_url + "/", timeout=2) as response:  # noqa: S310 - our loopback URL
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def worker_pids(self) -> list[int]:
        """The worker processes under uvicorn's supervisor (not multiprocessing's helpers)."""
        if self.process is None:
            return []
        pids = []
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        for pid in children.read_text().split() if children.exists() else []:
            try:
                command = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if b"resource_tracker" not in command:
                pids.append(int(pid))
        return pids

    def _established(self) -> set[str]:
        """Inodes of the established connections to the app's port, read in the workers' own
        network namespace (/proc/<pid>/net is per namespace)."""
        listening_port = f":{self.port:04X}"
        established = set()
        for table in ("tcp", "tcp6"):
            for line in Path(f"/proc/{self.process.pid}/net/{table}").read_text().splitlines()[1:]:
                fields = line.split()
                if fields[1].endswith(listening_port) and fields[3] == "01":  # 01: ESTABLISHED
                    established.add(fields[9])  # the socket's inode
        return established

    def open_connections(self) -> int:
        """How many clients (readers, or the proxy on their behalf) are connected right now."""
        return len(self._established())

    def busiest_worker(self) -> int:
        """The worker holding the most open connections on the app's port (the kernel hands
        accepted connections to either worker, not necessarily evenly)."""
        established = self._established()

        def held(pid: int) -> int:
            count = 0
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                try:
                    target = os.readlink(fd)
                except OSError:
                    continue
                count += target.startswith("socket:[") and target[8:-1] in established
            return count
        return max(self.worker_pids(), key=held)

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
        self.process = None


@functools.cache  # once per test run, however many fixtures ask (it takes minutes on a busy machine)
def collect_static() -> None:
    """collectstatic into the project's STATIC_ROOT, as a deploy does (hashed, precompressed)."""
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": "collectstatic-only"}
    env.pop("DATABASE_URL", None)
    subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=PROJECT, env=env, check=True, capture_output=True, timeout=300,
    )


def temporary_directory() -> Path:
    return Path(tempfile.mkdtemp(prefix="liveblog-faults-"))
