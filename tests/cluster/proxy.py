"""The proxy in front of the cluster: Debian's nginx with a configuration the test writes,
balancing readers and writers over the hosts' workers and passing websockets through."""

import shutil
import subprocess
from pathlib import Path

from tests.faults.harness import Site, _port_open, free_port, wait_until

CONFIG = """\
daemon off;
worker_processes 1;
pid {directory}/nginx.pid;
error_log {directory}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {directory}/body;
    proxy_temp_path {directory}/proxy;
    fastcgi_temp_path {directory}/fastcgi;
    uwsgi_temp_path {directory}/uwsgi;
    scgi_temp_path {directory}/scgi;
    # Workers run as nobody, who cannot write the test's private directory: never spill to disk.
    proxy_max_temp_file_size 0;

    map $http_upgrade $connection_upgrade {{
        default upgrade;
        ''      close;
    }}
    upstream workers {{
{servers}
    }}
    server {{
        listen {address}:{port};
        location / {{
            proxy_pass http://workers;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            # A host that refuses connections is skipped at once; its readers land on the others.
            # (Writes are never retried on another host: nginx does not resend a POST by default.)
            proxy_next_upstream error timeout;
            proxy_connect_timeout 2s;
            proxy_read_timeout 1h;
        }}
    }}
}}
"""


class Proxy(Site):
    def __init__(self, *, address: str, upstreams: list[str], directory: Path):
        self.address = address
        self.port = free_port()
        self.base_url = f"http://{address}:{self.port}"
        self.directory = directory
        self.config = directory / "nginx.conf"
        servers = "\n".join(f"        server {upstream} max_fails=1 fail_timeout=30s;" for upstream in upstreams)
        self.config.write_text(CONFIG.format(directory=directory, servers=servers, address=address, port=self.port))
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        self.process = subprocess.Popen(  # noqa: S603 - fixed arguments
            [nginx, "-p", str(self.directory), "-c", str(self.config)],
            stderr=subprocess.DEVNULL,
        )
        wait_until(lambda: self.process.poll() is None and _port_open(self.port, self.address), timeout=10,
                   what=f"nginx did not start (see {self.directory}/error.log)")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()  # SIGTERM: nginx's fast shutdown, workers included
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
        self.process = None
