"""The load generator: many websocket readers in one process, timing every change they receive.

A reader here is a minimal RFC 6455 client on a bare asyncio Protocol, so the
generator spends as little of the shared machine's CPU as it can: no per-frame
task, future or queue, one clock read per socket read. It answers the server's
pings (uvicorn closes a socket that does not) and counts, per socket, changes
that arrive twice or out of order.

With `--nap-ms N` the generator does not sleep in epoll between reads but naps N ms
at a time and then takes whatever arrived. On loopback a server's write to a socket
whose reader sleeps in epoll pays for waking that reader (on this VM a cross-CPU
interrupt, about a quarter of a worker's fan-out CPU in a perf profile); a server on a
real network pays nothing of the kind per reader. Receive times are then up to N ms late.

With `--reconnect` a reader whose socket is lost connects again as the live
page does (after a random wait of up to 1 s, doubling per failed attempt, up
to 30 s) and resumes with `?after=` its last seq.

Driven by `bench.fanout` over its stdin/stdout, one JSON object a line:

    -> {"event": "connected", "ok": 5000, "failed": 0, "seconds": 3.2}
    -> {"event": "complete"}            every socket has seq 1..expect
    <- cut                              drop every socket at once (a network blip)
    <- stop                             write the results file and exit
"""

import argparse
import asyncio
import base64
import json
import os
import random
import sys
import time

HANDSHAKE = (
    "GET {path} HTTP/1.1\r\n"
    "Host: {host}\r\n"
    "Upgrade: websocket\r\n"
    "Connection: Upgrade\r\n"
    "Sec-WebSocket-Key: {key}\r\n"
    "Sec-WebSocket-Version: 13\r\n"
    "Origin: {origin}\r\n"
    "\r\n"
)
SEQ_PREFIX = b'{"seq":'
OP_TEXT, OP_CLOSE, OP_PING = 0x1, 0x8, 0x9


class Totals:
    """What all readers of this process saw."""

    def __init__(self, expect: int):
        self.expect = expect
        # received[seq] holds the receive time (time.time()) of each delivery of that seq.
        self.received: dict[int, list[float]] = {seq: [] for seq in range(1, expect + 1)}
        self.frames = 0
        self.duplicates = 0
        self.out_of_order = 0
        self.other_frames = 0
        self.closed_by_server = 0
        self.lost_connections = 0
        self.complete_sockets = 0
        self.on_complete = None
        self.reconnects = 0
        self.reconnect_failures = 0
        self.reloads = 0
        self.stopping = False


class Slot:
    """One reader across its sockets: what it has applied, and how often it tried to reconnect."""

    def __init__(self, index: int):
        self.index = index
        self.last_seq = 0
        self.attempts = 0
        self.transport = None


class Reader(asyncio.Protocol):
    def __init__(self, totals: Totals, request: bytes, opened: asyncio.Future, slot: Slot, on_lost=None):
        self.totals = totals
        self.request = request
        self.opened = opened
        self.slot = slot
        self.on_lost = on_lost
        self.transport = None
        self.buffer = b""
        self.upgraded = False
        self.closing = False

    @property
    def last_seq(self) -> int:
        return self.slot.last_seq

    @last_seq.setter
    def last_seq(self, seq: int) -> None:
        self.slot.last_seq = seq

    def connection_made(self, transport):
        self.transport = transport
        self.slot.transport = transport
        transport.write(self.request)

    def connection_lost(self, exc):
        if not self.opened.done():
            self.opened.set_exception(ConnectionError("closed during handshake"))
        elif not self.closing:
            self.totals.lost_connections += 1
        if self.on_lost is not None and self.upgraded:
            self.on_lost(self.slot)

    def data_received(self, data):
        buffer = self.buffer + data if self.buffer else data
        if not self.upgraded:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                self.buffer = buffer
                return
            status = buffer[: buffer.find(b"\r\n")]
            if b" 101 " not in status + b" ":
                self.opened.set_exception(ConnectionError(status.decode("latin1")))
                self.closing = True
                self.transport.close()
                return
            self.upgraded = True
            self.opened.set_result(None)
            buffer = buffer[end + 4 :]
        now = time.time()
        totals = self.totals
        pos, size = 0, len(buffer)
        while size - pos >= 2:
            opcode = buffer[pos] & 0x0F
            length = buffer[pos + 1] & 0x7F
            head = 2
            if length == 126:
                if size - pos < 4:
                    break
                length = int.from_bytes(buffer[pos + 2 : pos + 4], "big")
                head = 4
            elif length == 127:
                if size - pos < 10:
                    break
                length = int.from_bytes(buffer[pos + 2 : pos + 10], "big")
                head = 10
            if size - pos < head + length:
                break
            start = pos + head
            pos = start + length
            if opcode == OP_TEXT and buffer.startswith(SEQ_PREFIX, start):
                # The broadcast text starts with {"seq":N, ... : read N without parsing the JSON.
                seq = int(buffer[start + 7 : buffer.index(b",", start + 7, pos)])
                totals.frames += 1
                if seq <= self.last_seq:
                    totals.duplicates += 1
                    continue
                if seq != self.last_seq + 1:
                    totals.out_of_order += 1
                self.last_seq = seq
                times = totals.received.get(seq)
                if times is not None:
                    times.append(now)
                    if seq == totals.expect:
                        totals.complete_sockets += 1
                        if totals.on_complete is not None:
                            totals.on_complete()
            elif opcode == OP_PING:
                payload = buffer[start:pos]
                # Client frames are masked; a zero mask leaves the payload as it is.
                self.transport.write(bytes((0x8A, 0x80 | len(payload))) + b"\0\0\0\0" + payload)
            elif opcode == OP_CLOSE:
                totals.closed_by_server += 1
                self.closing = True
                self.transport.close()
                return
            else:
                if opcode == OP_TEXT and buffer.startswith(b'{"type":"reload"', start):
                    totals.reloads += 1
                totals.other_frames += 1
        self.buffer = buffer[pos:] if pos < size else b""


def emit(**fields) -> None:
    sys.stdout.write(json.dumps(fields) + "\n")
    sys.stdout.flush()


async def open_readers(args, totals: Totals) -> tuple[list, int]:
    loop = asyncio.get_running_loop()
    limit = asyncio.Semaphore(args.concurrency)
    slots, failures = [Slot(i) for i in range(args.readers)], 0
    sources = args.sources.split(",")

    def request_for(slot: Slot) -> bytes:
        path = args.path + (f"?after={slot.last_seq}" if slot.last_seq else "")
        key = base64.b64encode(os.urandom(16)).decode()
        return HANDSHAKE.format(
            path=path, host=f"{args.host}:{args.port}", key=key, origin=args.origin
        ).encode()

    async def open_one(slot: Slot) -> None:
        opened = loop.create_future()
        async with limit, asyncio.timeout(args.connect_timeout):
            await loop.create_connection(
                lambda: Reader(totals, request_for(slot), opened, slot, on_lost if args.reconnect else None),
                args.host,
                args.port,
                local_addr=(sources[slot.index % len(sources)], 0),
            )
            await opened

    def on_lost(slot: Slot) -> None:
        slot.transport = None
        if totals.stopping:
            return
        # As live.js does: full jitter, the ceiling doubling with each failed attempt.
        wait = random.random() * min(30.0, 2.0**slot.attempts)  # noqa: S311 - not for secrets
        slot.attempts += 1
        loop.call_later(wait, lambda: asyncio.ensure_future(reconnect(slot)))

    async def reconnect(slot: Slot) -> None:
        totals.reconnects += 1
        try:
            await open_one(slot)
            slot.attempts = 0
        except (OSError, TimeoutError, ConnectionError):
            totals.reconnect_failures += 1
            on_lost(slot)

    async def open_first(slot: Slot) -> None:
        nonlocal failures
        try:
            await open_one(slot)
        except (OSError, TimeoutError, ConnectionError) as exc:
            failures += 1
            slot.transport = None
            if failures <= 3:
                print(f"loadgen: connect failed: {exc!r}", file=sys.stderr)

    await asyncio.gather(*(open_first(slot) for slot in slots))
    return slots, failures


async def main(args) -> None:
    loop = asyncio.get_running_loop()
    totals = Totals(args.expect)
    complete = asyncio.Event()
    started = time.monotonic()
    if args.nap_ms:
        # A callback always ready keeps the loop's poll from blocking: the process sleeps here.
        def nap() -> None:
            time.sleep(args.nap_ms / 1000)
            loop.call_soon(nap)

        loop.call_soon(nap)
    slots, failures = await open_readers(args, totals)
    ok = args.readers - failures
    totals.on_complete = lambda: totals.complete_sockets >= ok and complete.set()
    emit(event="connected", ok=ok, failed=failures, seconds=round(time.monotonic() - started, 3))

    stop = asyncio.Event()

    def command() -> None:
        line = sys.stdin.readline().strip()
        if line == "cut":
            cut_at = time.time()
            for slot in slots:
                if slot.transport is not None:
                    slot.transport.abort()
            emit(event="cut", at=cut_at)
        else:  # "stop", or stdin closed
            stop.set()

    loop.add_reader(sys.stdin.fileno(), command)

    async def announce_complete():
        await complete.wait()
        emit(event="complete")

    announcer = asyncio.ensure_future(announce_complete())
    await stop.wait()
    announcer.cancel()
    loop.remove_reader(sys.stdin.fileno())
    totals.stopping = True
    with open(args.out, "w") as out:
        json.dump(
            {
                "ok": ok,
                "failed": failures,
                "received": totals.received,
                "frames": totals.frames,
                "duplicates": totals.duplicates,
                "out_of_order": totals.out_of_order,
                "other_frames": totals.other_frames,
                "closed_by_server": totals.closed_by_server,
                "lost_connections": totals.lost_connections,
                "reconnects": totals.reconnects,
                "reconnect_failures": totals.reconnect_failures,
                "reloads": totals.reloads,
                "last_seqs": [slot.last_seq for slot in slots],
            },
            out,
        )
    for slot in slots:
        if slot.transport is not None:
            slot.transport.abort()
    emit(event="done")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", required=True)
    parser.add_argument("--origin", default="http://127.0.0.1:8000")
    parser.add_argument("--readers", type=int, required=True)
    parser.add_argument(
        "--sources", required=True, help="comma-separated 127.0.0.x source addresses"
    )
    parser.add_argument(
        "--expect", type=int, required=True, help="the last seq each reader should get"
    )
    parser.add_argument("--concurrency", type=int, default=200, help="handshakes in flight")
    parser.add_argument("--connect-timeout", type=float, default=20.0)
    parser.add_argument("--out", required=True)
    parser.add_argument(
        "--reconnect", action="store_true", help="reconnect lost sockets and resume, as live.js"
    )
    parser.add_argument(
        "--nap-ms", type=float, default=0.0, help="nap this long between reads instead of waiting in epoll"
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvicorn[standard] brings it
        uvloop = None
    arguments = parse_args()
    if uvloop is not None:
        uvloop.run(main(arguments))
    else:
        asyncio.run(main(arguments))
