"""The cluster's hosts leave nothing behind: namespaces, interfaces and whatever still ran on them."""

import subprocess
from pathlib import Path

import pytest

from tests.cluster.network import Network, ip, netns_unavailable
from tests.faults.harness import wait_until


@pytest.fixture
def network():
    unavailable = netns_unavailable()
    if unavailable:
        pytest.skip(f"the cluster test builds its hosts in network namespaces; {unavailable}")
    network = Network()
    yield network
    network.remove()


def test_removing_the_network_stops_what_runs_on_its_hosts_and_deletes_every_interface(network):
    network.create()
    host = network.add_host("a")
    # Something a failed test left running on the host, detached from the test's own process.
    leftover = subprocess.Popen([*host.run_in, "sleep", "600"], start_new_session=True)  # noqa: S603
    wait_until(lambda: ip("netns", "pids", host.name).stdout.split() == [str(leftover.pid)], timeout=10,
               what="the leftover process did not start on the host")
    reachable = subprocess.run([*host.run_in, "ip", "-4", "-o", "addr", "show", "eth0"],  # noqa: S603
                               capture_output=True, text=True, check=True).stdout
    assert f"{host.address}/24" in reachable

    network.remove()

    assert leftover.wait(timeout=10) == -9
    assert host.name not in ip("netns", "list").stdout
    links = ip("-o", "link", "show").stdout
    assert network.bridge not in links and f"lb{network.suffix}" not in links
    assert not Path(f"/run/netns/{host.name}").exists()
