"""The polling load generator: many clients in one process, each polling an event's changes feed.

Each client does what Automattic's and Sourcefabric's live blogs do every 10 s, over one
keep-alive HTTP/1.1 connection: GET /api/v1/events/<slug>/posts/?after=<seq> with the
ETag it last got as If-None-Match. A 304 means nothing new; a 200 carries the changes,
whose receive times it records; then it polls the new address (`after=last_seq`). Clients
start spread evenly over one interval, as real readers' timers are.

Driven by `bench.polling` over stdin/stdout, one JSON object a line:

    -> {"event": "started", "clients": 5000}
    -> {"event": "complete"}            every client has seen seq `expect`
    <- stop                             write the results file and exit
"""

import argparse
import asyncio
import json
import sys
import time

SEQ_KEY = b'"last_seq":'
CHANGE_SEQ = b'{"seq":'


class Totals:
    def __init__(self, expect: int):
        self.expect = expect
        self.received: dict[int, list[float]] = {seq: [] for seq in range(1, expect + 1)}
        self.status: dict[int, int] = {}
        self.errors = 0
        self.complete = 0
        self.on_complete = None


class Poller(asyncio.Protocol):
    """One client: one request in flight at a time on its connection."""

    def __init__(self, totals: Totals, host: str, path: str, after: int):
        self.totals, self.host, self.path, self.after = totals, host, path, after
        self.etag: bytes | None = None
        self.buffer = b""
        self.transport = None
        self.answered: asyncio.Future | None = None

    def connection_made(self, transport):
        self.transport = transport

    def connection_lost(self, exc):
        self.transport = None
        if self.answered is not None and not self.answered.done():
            self.answered.set_exception(ConnectionError("connection lost"))

    def poll(self) -> asyncio.Future:
        self.answered = asyncio.get_running_loop().create_future()
        request = f"GET {self.path}?after={self.after} HTTP/1.1\r\nHost: {self.host}\r\n"
        if self.etag:
            request += f"If-None-Match: {self.etag.decode('latin1')}\r\n"
        self.transport.write((request + "\r\n").encode("latin1"))
        return self.answered

    def data_received(self, data):
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head = self.buffer[:end].split(b"\r\n")
        headers = {}
        for line in head[1:]:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get(b"content-length", b"0"))
        if len(self.buffer) < end + 4 + length:
            return
        body = self.buffer[end + 4 : end + 4 + length]
        self.buffer = self.buffer[end + 4 + length :]
        status = int(head[0].split(b" ")[1])
        self.totals.status[status] = self.totals.status.get(status, 0) + 1
        if status == 200:
            self.read_changes(body)
            self.etag = headers.get(b"etag")
        if not self.answered.done():
            self.answered.set_result(status)

    def read_changes(self, body: bytes) -> None:
        now = time.time()
        totals = self.totals
        pos = body.find(CHANGE_SEQ)
        while pos >= 0:
            start = pos + len(CHANGE_SEQ)
            seq = int(body[start : body.index(b",", start)])
            times = totals.received.get(seq)
            if times is not None and seq > self.after:
                times.append(now)
                if seq == totals.expect:
                    totals.complete += 1
                    if totals.on_complete is not None:
                        totals.on_complete()
            pos = body.find(CHANGE_SEQ, start)
        at = body.find(SEQ_KEY)
        if at >= 0:
            last = int(body[at + len(SEQ_KEY) : body.index(b",", at)])
            if last != self.after:
                self.after = last
                self.etag = None  # a new address: its ETag comes with its first answer


async def client(totals: Totals, args, index: int, started: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    host = f"{args.host}:{args.port}"
    source = args.sources.split(",")[index % len(args.sources.split(","))]
    await asyncio.sleep(args.interval * index / args.clients)  # spread over one interval
    poller = Poller(totals, host, args.path, args.after)
    next_poll = loop.time()
    while True:
        try:
            if poller.transport is None or poller.transport.is_closing():
                # The server closes an idle keep-alive connection after 5 s, before the next
                # poll: like a browser, open a new one, keeping what the client knows.
                known = poller
                _, poller = await loop.create_connection(
                    lambda after=known.after: Poller(totals, host, args.path, after),
                    args.host,
                    args.port,
                    local_addr=(source, 0),
                )
                poller.etag = known.etag
            await asyncio.wait_for(poller.poll(), args.interval * 3)
        except (OSError, ConnectionError, TimeoutError):
            totals.errors += 1
            if poller.transport is not None:
                poller.transport.abort()
        started.set()
        next_poll += args.interval
        await asyncio.sleep(max(0.0, next_poll - loop.time()))


async def main(args) -> None:
    loop = asyncio.get_running_loop()
    totals = Totals(args.expect)
    complete, started = asyncio.Event(), asyncio.Event()
    totals.on_complete = lambda: totals.complete >= args.clients and complete.set()
    tasks = [asyncio.ensure_future(client(totals, args, i, started)) for i in range(args.clients)]
    await asyncio.sleep(args.interval)  # every client has made its first poll
    print(json.dumps({"event": "started", "clients": args.clients}), flush=True)

    stop = asyncio.Event()
    loop.add_reader(sys.stdin.fileno(), stop.set)

    async def announce_complete():
        await complete.wait()
        print(json.dumps({"event": "complete"}), flush=True)

    announcer = asyncio.ensure_future(announce_complete())
    await stop.wait()
    announcer.cancel()
    for task in tasks:
        task.cancel()
    with open(args.out, "w") as out:
        json.dump(
            {"received": totals.received, "status": totals.status, "errors": totals.errors}, out
        )
    print(json.dumps({"event": "done"}), flush=True)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", required=True, help="/api/v1/events/<slug>/posts/")
    parser.add_argument("--clients", type=int, required=True)
    parser.add_argument("--after", type=int, default=0)
    parser.add_argument("--interval", type=float, default=10.0)
    parser.add_argument("--sources", required=True)
    parser.add_argument("--expect", type=int, required=True)
    parser.add_argument("--out", required=True)
    return parser.parse_args(argv)


if __name__ == "__main__":
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvicorn[standard] brings it
        uvloop = None
    arguments = parse_args()
    (uvloop.run if uvloop is not None else asyncio.run)(main(arguments))
