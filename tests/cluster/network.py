"""Hosts for the cluster test: network namespaces the test makes itself, joined by veth pairs
to a bridge in the machine's own namespace, which is where the proxy and the test's readers
live. Every name carries a random suffix, so parallel runs never share a namespace, an
interface or a subnet; `Network.remove` takes everything down again, also after a failure.
"""

import os
import random
import signal
import subprocess
import time
from dataclasses import dataclass

SUBNET_PREFIX = "10.203"


def ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["ip", *args], check=check, capture_output=True, text=True, timeout=30)  # noqa: S603, S607


def netns_unavailable() -> str | None:
    """Why namespaces cannot be made here (not root, no `ip`, a sandbox that forbids it), or None."""
    probe = f"lbprobe-{os.urandom(3).hex()}"
    try:
        made = ip("netns", "add", probe, check=False)
    except FileNotFoundError:
        return "the `ip` command (iproute2) is not installed"
    if made.returncode != 0:
        return f"`ip netns add` is not permitted here: {made.stderr.strip()}"
    ip("netns", "delete", probe, check=False)
    return None


@dataclass
class Host:
    name: str        # the namespace
    address: str

    @property
    def run_in(self) -> list[str]:
        """The command prefix that runs a program on this host."""
        return ["ip", "netns", "exec", self.name]


class Network:
    """A /24 in 10.203.x.0 on a bridge of its own; the bridge holds .1, host N holds .10+N."""

    def __init__(self):
        self.suffix = os.urandom(3).hex()
        self.bridge = f"lb{self.suffix}br"
        self.subnet = self._unused_subnet()
        self.gateway = f"{self.subnet}.1"
        self.hosts: list[Host] = []
        self._veths: list[str] = []

    @property
    def cidr(self) -> str:
        return f"{self.subnet}.0/24"

    @staticmethod
    def _unused_subnet() -> str:
        in_use = ip("-o", "-4", "addr", "show").stdout + ip("-4", "route", "show").stdout
        for _ in range(50):
            subnet = f"{SUBNET_PREFIX}.{random.randint(1, 254)}"  # noqa: S311 - not a secret
            if f" {subnet}." not in in_use:
                return subnet
        raise RuntimeError(f"no free /24 left in {SUBNET_PREFIX}.0.0/16")

    def create(self) -> None:
        ip("link", "add", self.bridge, "type", "bridge")
        ip("addr", "add", f"{self.gateway}/24", "dev", self.bridge)
        ip("link", "set", self.bridge, "up")

    def add_host(self, letter: str) -> Host:
        host = Host(name=f"lbcluster-{self.suffix}-{letter}", address=f"{self.subnet}.{11 + len(self.hosts)}")
        veth = f"lb{self.suffix}{letter}"
        ip("netns", "add", host.name)
        self.hosts.append(host)
        ip("link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", host.name)
        self._veths.append(veth)
        ip("link", "set", veth, "master", self.bridge)
        ip("link", "set", veth, "up")
        inside = ["netns", "exec", host.name, "ip"]
        ip(*inside, "link", "set", "lo", "up")
        ip(*inside, "addr", "add", f"{host.address}/24", "dev", "eth0")
        ip(*inside, "link", "set", "eth0", "up")
        return host

    def remove(self) -> None:
        """Kill whatever still runs on the hosts, then delete namespaces, veths and the bridge."""
        for host in self.hosts:
            for _ in range(20):
                pids = [int(pid) for pid in ip("netns", "pids", host.name, check=False).stdout.split()]
                if not pids:
                    break
                for pid in pids:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                time.sleep(0.1)
            ip("netns", "delete", host.name, check=False)
        for veth in self._veths:  # gone with their namespace already, unless that failed
            ip("link", "delete", veth, check=False)
        ip("link", "delete", self.bridge, check=False)
