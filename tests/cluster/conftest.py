"""Fixtures for the cluster test: three hosts in network namespaces (A and B run the app's
workers, C runs their PostgreSQL and Redis) and nginx in front of A and B."""

import os
import shutil
from types import SimpleNamespace

import pytest

from tests.cluster.network import Network, netns_unavailable
from tests.cluster.proxy import Proxy
from tests.faults.conftest import SETUP
from tests.faults.harness import (
    OwnPostgres,
    OwnRedis,
    ProductionShape,
    collect_static,
    temporary_directory,
)


@pytest.fixture(scope="session")
def collected_static():
    """Production pages name static files by their hashes, from collectstatic's manifest."""
    collect_static()


@pytest.fixture
def cluster(collected_static):
    """Hosts A and B serving the app from C's PostgreSQL and Redis, with one live event
    (`fault-drill`) and an editor's token, behind a proxy on the bridge's address."""
    unavailable = netns_unavailable()
    if unavailable:
        pytest.skip(f"the cluster test builds its hosts in network namespaces; {unavailable}")
    if not shutil.which("nginx"):
        pytest.fail("nginx is needed for the cluster test: apt-get install nginx (.ci/run does)")

    directory = temporary_directory()
    network = Network()
    started = []
    try:
        network.create()
        host_a, host_b, host_c = (network.add_host(letter) for letter in "abc")
        postgres = OwnPostgres(directory, host=host_c.address, clients=network.cidr, run_in=host_c.run_in)
        redis = OwnRedis(directory, host=host_c.address, run_in=host_c.run_in)
        started += [postgres.close, redis.stop]
        postgres.init()
        redis.start()

        # One site served by two hosts: a shared signing key, and the proxy's address as a host name.
        settings = {
            "SECRET_KEY": "cluster-test-" + os.urandom(16).hex(),
            "ALLOWED_HOSTS": ",".join([network.gateway, host_a.address, host_b.address]),
            "FORWARDED_ALLOW_IPS": network.gateway,
        }
        apps = {}
        for name, host in (("a", host_a), ("b", host_b)):
            apps[name] = ProductionShape(postgres=postgres, redis=redis, directory=directory,
                                         host=host.address, run_in=host.run_in, env=settings)
        # Deploy steps, run from the machine itself against C's database.
        apps["a"].manage("migrate", "--noinput")
        token = apps["a"].manage("shell", "-c", SETUP).strip().splitlines()[-1]
        for app in apps.values():
            started.append(app.stop)
            app.start()

        proxy = Proxy(address=network.gateway, upstreams=[f"{app.host}:{app.port}" for app in apps.values()],
                      directory=directory)
        started.append(proxy.stop)
        proxy.start()
        proxy.slug = "fault-drill"
        yield SimpleNamespace(a=apps["a"], b=apps["b"], proxy=proxy, postgres=postgres, redis=redis,
                              token=token, slug="fault-drill", network=network)
    finally:
        for stop in reversed(started):
            try:
                stop()
            except Exception as failure:  # noqa: BLE001 - clean up the rest whatever one part did
                print(f"cluster clean-up: {stop.__qualname__} failed: {failure}")
        network.remove()
        shutil.rmtree(directory, ignore_errors=True)
