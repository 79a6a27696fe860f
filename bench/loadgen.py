"""Load-generator parts for HTTP benchmarks: an open-loop timetable, a lean HTTP/1.1 client,
nearest-rank percentiles, a server in its own process, and its RSS.

The client is hand-written on asyncio streams on purpose: httpx's connection pool scans every
waiting request on every pool event, which turns quadratic as soon as a few hundred requests are in
flight, so the generator, not the server, became the bottleneck on a 2-core machine.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

# --- the timetable and the numbers -------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    index: int  # due at index / rate seconds after the start
    kind: str
    user: int


@dataclass(frozen=True)
class Sample:
    kind: str
    status: int  # 0 when the request failed without an HTTP answer
    latency: float  # from the moment it was due to the end of the answer
    service: float  # from the moment it was sent to the end of the answer


def cycle(mix: tuple[tuple[str, int], ...]) -> list[str]:
    """One round of the mix with each kind spread evenly (not 6 x one kind, then 6 x the next)."""
    spots = [((j + 0.5) / weight, kind) for kind, weight in mix for j in range(weight)]
    return [kind for _, kind in sorted(spots, key=lambda spot: spot[0])]


def timetable(
    *, rate: float, seconds: float, users: int, mix: tuple[tuple[str, int], ...], seed: int
) -> list[Slot]:
    """Every request of a phase: kinds in exact mix proportions, users drawn with a fixed seed."""
    kinds = cycle(mix)
    pick = random.Random(seed)
    return [Slot(i, kinds[i % len(kinds)], pick.randrange(users)) for i in range(round(rate * seconds))]


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), -(-len(ordered) * q // 100)))
    return ordered[int(rank) - 1]


@dataclass(frozen=True)
class Summary:
    count: int
    errors: int
    rate: float  # answers per second over the phase's wall time
    p50: float
    p95: float
    p99: float
    max: float
    service_p95: float


def summarize(samples: list[Sample], wall: float) -> Summary:
    latencies = [s.latency for s in samples]
    return Summary(
        count=len(samples),
        errors=sum(1 for s in samples if not 200 <= s.status < 300),
        rate=len(samples) / wall,
        p50=percentile(latencies, 50),
        p95=percentile(latencies, 95),
        p99=percentile(latencies, 99),
        max=max(latencies),
        service_p95=percentile([s.service for s in samples], 95),
    )


Send = Callable[[Slot], Awaitable[tuple[int, list[Sample]]]]


async def open_loop(slots: list[Slot], *, rate: float, send: Send) -> tuple[list[Sample], float]:
    """Start each request when it is due, whatever the earlier ones are doing; (samples, wall seconds).

    Latency counts from the due time, so a server that falls behind cannot hide its queue by slowing
    the generator down (no coordinated omission).
    """
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.05

    async def timed(slot: Slot, due: float) -> list[Sample]:
        sent = loop.time()
        try:
            status, extra = await send(slot)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            status, extra = 0, []
        end = loop.time()
        return [Sample(slot.kind, status, end - due, end - sent), *extra]

    tasks = []
    for slot in slots:
        due = start + slot.index / rate
        if (wait := due - loop.time()) > 0:
            await asyncio.sleep(wait)
        tasks.append(asyncio.create_task(timed(slot, due)))
    done = await asyncio.gather(*tasks)
    return [s for group in done for s in group], loop.time() - start


# --- a lean HTTP/1.1 client --------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes


Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]


class Http:
    """Keep-alive HTTP/1.1 to one server: an idle connection is reused, else a new one is opened."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._idle: list[Connection] = []

    def _head(self, method: str, path: str, headers: Mapping[str, str], body: bytes | None) -> bytes:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        if body is not None:
            lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    async def request(
        self, method: str, path: str, headers: Mapping[str, str] | None = None, body: bytes | None = None
    ) -> Answer:
        head = self._head(method, path, headers or {}, body)
        while self._idle:  # the server may have closed an idle connection (keep-alive timeout)
            conn = self._idle.pop()
            try:
                return await self._exchange(conn, head, body)
            except (OSError, asyncio.IncompleteReadError, _Closed):
                conn[1].close()
        return await self._exchange(await asyncio.open_connection(self.host, self.port), head, body)

    async def _exchange(self, conn: Connection, head: bytes, body: bytes | None) -> Answer:
        reader, writer = conn
        writer.write(head + (body or b""))
        try:
            status, headers = await _read_head(reader)
            if headers.get("transfer-encoding", "").lower() == "chunked":
                data = b"".join([chunk async for chunk in _chunks(reader)])
            else:
                data = await reader.readexactly(int(headers.get("content-length", "0")))
        except BaseException:
            writer.close()
            raise
        if headers.get("connection", "").lower() == "close":
            writer.close()
        else:
            self._idle.append(conn)
        return Answer(status, headers, data)

    async def stream_lines(
        self, path: str, headers: Mapping[str, str]
    ) -> tuple[int, AsyncIterator[bytes], asyncio.StreamWriter]:
        """A streamed GET on its own connection: (status, the body's lines, the writer to close)."""
        reader, writer = await asyncio.open_connection(self.host, self.port)
        writer.write(self._head("GET", path, headers, None))
        status, answer = await _read_head(reader)
        chunked = answer.get("transfer-encoding", "").lower() == "chunked"
        return status, _lines(_chunks(reader) if chunked else _raw(reader)), writer

    def close(self) -> None:
        for _, writer in self._idle:
            writer.close()
        self._idle.clear()


class _Closed(Exception):
    """The server closed a kept-alive connection before answering."""


async def _read_head(reader: asyncio.StreamReader) -> tuple[int, dict[str, str]]:
    status_line = await reader.readline()
    if not status_line:
        raise _Closed
    headers: dict[str, str] = {}
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), headers


async def _chunks(reader: asyncio.StreamReader) -> AsyncIterator[bytes]:
    while size := int((await reader.readline()).split(b";")[0], 16):
        yield await reader.readexactly(size)
        await reader.readexactly(2)
    await reader.readline()  # the empty trailer


async def _raw(reader: asyncio.StreamReader) -> AsyncIterator[bytes]:
    while data := await reader.read(65536):
        yield data


async def _lines(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    pending = b""
    async for chunk in chunks:
        pending += chunk
        *complete, pending = pending.split(b"\n")
        for line in complete:
            yield line.rstrip(b"\r")
    if pending:
        yield pending


# --- the server under test ---------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:  # field 4, after "(comm)" and state
                found.append(int(entry.name))
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def rss_kib(pid: int) -> int:
    """VmRSS of a process and all its descendants, in KiB (0 for any that already ended)."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
        except OSError:
            continue
        total += next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
        todo.extend(_children(current))
    return total


class Server:
    """A server command in its own process; ready when GET /health answers 200."""

    def __init__(self, command: list[str], *, port: int, env: Mapping[str, str], log: Path) -> None:
        self.command, self.port, self.log = command, port, log
        self.url = f"http://127.0.0.1:{port}"
        self.env = {**os.environ, **env}
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(self.command, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited at start; see {self.log}")
            if self._healthy():
                return self
            time.sleep(0.2)
        self.__exit__()
        raise RuntimeError(f"the server did not answer /health in 60 s; see {self.log}")

    def _healthy(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"GET /health HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
                return sock.recv(64).startswith(b"HTTP/1.1 200")
        except OSError:
            return False

    def __exit__(self, *_: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # uvicorn's graceful stop
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid
