"""varnishd over the repository's VCL, on a port and working directory of its own (bench and tests)."""

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

VCL = Path(__file__).resolve().parents[1] / "deploy" / "varnish" / "liveblog.vcl"


class Varnish:
    """varnishd in the foreground on its own port and working directory, over the repo's VCL."""

    def __init__(self, port: int, backend_port: int, parameters: dict | None = None):
        self.port = port
        self.parameters = parameters or {}
        self.workdir = Path(tempfile.mkdtemp(prefix="liveblog-varnish-"))
        self.vcl = self.workdir / "liveblog.vcl"
        # The one thing that differs from deploy/: where the origin listens.
        self.vcl.write_text(VCL.read_text().replace('.port = "8000";', f'.port = "{backend_port}";'))
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        varnishd = shutil.which("varnishd") or "/usr/sbin/varnishd"
        if not os.path.exists(varnishd):
            raise SystemExit("varnishd is missing: apt-get install varnish")
        os.chmod(self.workdir, 0o755)  # noqa: S103 - varnishd drops to its own user and must read the VCL
        self.process = subprocess.Popen(  # noqa: S603 - our own fixed command
            [varnishd, "-F", "-n", str(self.workdir / "state"), "-a", f"127.0.0.1:{self.port}",
             "-f", str(self.vcl), "-s", "malloc,256m", "-p", "thread_pool_max=2000",
             *(part for name, value in self.parameters.items() for part in ("-p", f"{name}={value}"))],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"varnishd exited with {self.process.returncode}")
            if self.counters() and listening(self.port):
                return
            time.sleep(0.3)
        raise RuntimeError("varnishd did not start in time")

    def counters(self) -> dict:
        done = subprocess.run(  # noqa: S603
            ["varnishstat", "-n", str(self.workdir / "state"), "-1", "-j"],  # noqa: S607
            capture_output=True, text=True, timeout=10,
        )
        if done.returncode != 0:
            return {}
        data = json.loads(done.stdout)
        fields = data.get("counters", data)
        return {name: fields[name]["value"] for name in ("MAIN.backend_req", "MAIN.cache_hit", "MAIN.cache_miss",
                                                           "MAIN.client_req") if name in fields}

    def cpu(self) -> float:
        import psutil  # the bench extra: tests start Varnish without measuring it

        if self.process is None:
            return 0.0
        total = 0.0
        root = psutil.Process(self.process.pid)
        for process in [root, *root.children(recursive=True)]:
            times = process.cpu_times()
            total += times.user + times.system
        return total

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, 15)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
        shutil.rmtree(self.workdir, ignore_errors=True)


def listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


