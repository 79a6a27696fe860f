"""Platform API under load: p95 latency at 200 requests/s and the memory of 500 open event streams.

Usage: python -m bench.api [--backend sqlite|postgres] [--rate 200] [--seconds 20] [--streams 500]

AUTOCREA runs for real (`autocrea serve`, uvicorn) in its own process; this script is the load
generator. Requests are sent open-loop on an absolute timetable (request i is due at i / rate) and
latency is counted from the moment a request was *due*, not from when it was sent, so a slow server
cannot hide its queueing by slowing the generator down (no coordinated omission).

1. API: a few users generate one project each (offline blueprint engine) before the clock starts;
   then `/health` (the baseline: same server, same rate, no code of ours behind it) and the mix
   below are each sent at `--rate` for `--seconds`, after a warm-up.
2. Streams: a fresh server without the embedded worker (so a new run stays queued and its event
   stream idles with heartbeats); `--streams` authenticated `GET /api/runs/{id}/events` are held
   open; the server's RSS (with any children) is read before, with all open, and after they end.
   `/health` is timed while they are open, then the run is cancelled and every stream must receive
   its `run.cancelled` event.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from autocrea.testing.ports import free_port
from bench.loadgen import (
    Http,
    Sample,
    Send,
    Server,
    Slot,
    Summary,
    cpu_seconds,
    open_loop,
    percentile,
    rss_kib,
    summarize,
    timetable,
)

PASSWORD = "violet-harbor-77-lantern"
PROMPT = "a library system with books, members and loans"
PG = ("127.0.0.1", 5432, "test")  # host, port, maintenance database (trust auth, as in CI)
REDIS_URL = "redis://127.0.0.1:6379/0"

# The mix, per 40 requests: 38 authenticated reads, 2 writes (5 %). Every file save is a git commit;
# every token created is revoked right after (the revoke is timed too, off the timetable), so no
# user reaches the 20-token cap however long the run.
MIX: tuple[tuple[str, int], ...] = (
    ("GET /api/auth/me", 6),
    ("GET /api/projects", 6),
    ("GET /api/projects/{id}", 6),
    ("GET /api/runs/{id}", 6),
    ("GET /api/projects/{id}/tree", 4),
    ("GET /api/projects/{id}/files/{path}", 10),
    ("PUT /api/projects/{id}/files/{path}", 1),
    ("POST /api/tokens", 1),
)
REVOKE = "DELETE /api/tokens/{id}"
HEALTH = "GET /health"


def autocrea_server(data_dir: Path, env: dict[str, str]) -> Server:
    """`autocrea serve` from this virtualenv on a free port, its log in the data directory."""
    port = free_port()
    settings = {
        "AUTOCREA_DATA_DIR": str(data_dir),
        "AUTOCREA_PORT": str(port),
        "AUTOCREA_SECRET_KEY": "bench-secret-" + uuid.uuid4().hex,
        "AUTOCREA_RATE_LIMIT_API": "100000/minute",  # the benchmark measures latency, not throttling
        "AUTOCREA_RATE_LIMIT_GENERATE": "1000/minute",
        **env,
    }
    command = [str(Path(sys.executable).with_name("autocrea")), "serve"]
    return Server(command, port=port, env=settings, log=data_dir / f"server-{port}.log")


@contextmanager
def backend_env(name: str, data_dir: Path) -> Iterator[dict[str, str]]:
    """Settings for the backend: the embedded SQLite file, or a throwaway PostgreSQL database + Redis.

    Either is migrated first, as a deployment's first start (or `autocrea db upgrade`) would; the
    servers measured are later starts.
    """
    from autocrea.storage.migrate import upgrade

    if name == "sqlite":
        asyncio.run(upgrade(f"sqlite+aiosqlite:///{data_dir / 'autocrea.db'}"))
        yield {}
        return
    import asyncpg

    host, port, maintenance = PG
    database = f"autocrea_bench_{uuid.uuid4().hex[:10]}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(host=host, port=port, user="postgres", database=maintenance)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    url = f"postgresql+asyncpg://postgres@{host}:{port}/{database}"
    asyncio.run(admin(f'CREATE DATABASE "{database}"'))
    try:
        asyncio.run(upgrade(url))  # the server migrates only SQLite by itself
        yield {"AUTOCREA_DATABASE_URL": url, "AUTOCREA_REDIS_URL": REDIS_URL}
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))


# --- users, their projects, and the calls of the mix -------------------------------------------


@dataclass
class User:
    headers: dict[str, str]  # for reads: the session cookie, or a bearer token
    write_headers: dict[str, str]  # + the CSRF token for cookie users
    project_id: str = ""
    run_id: str = ""
    files: list[str] = field(default_factory=list)
    edits: int = 0


async def register(client: httpx.AsyncClient, *, bearer: bool) -> User:
    email = f"bench-{uuid.uuid4().hex[:10]}@example.com"
    response = await client.post("/api/auth/register", json={"email": email, "password": PASSWORD})
    response.raise_for_status()
    client.cookies.clear()  # each user sends its own credentials explicitly
    cookie = {"Cookie": f"autocrea_session={response.cookies['autocrea_session']}"}
    user = User(cookie, {**cookie, "X-CSRF-Token": response.json()["csrf_token"]})
    if bearer:  # API-token users (the CLI and scripts); browsers use the cookie
        made = await client.post("/api/tokens", json={"name": "bench"}, headers=user.write_headers)
        made.raise_for_status()
        user.headers = user.write_headers = {"Authorization": f"Bearer {made.json()['token']}"}
    return user


async def start_run(client: httpx.AsyncClient, user: User) -> None:
    response = await client.post("/api/projects", json={"prompt": PROMPT}, headers=user.write_headers)
    response.raise_for_status()
    user.project_id, user.run_id = response.json()["project"]["id"], response.json()["run"]["id"]


async def generated(client: httpx.AsyncClient, user: User, *, timeout: float = 600) -> None:
    """Wait for the user's project to be generated, then pick the files the mix reads and edits."""
    deadline = time.monotonic() + timeout
    while (run := (await client.get(f"/api/runs/{user.run_id}", headers=user.headers)).json())["status"] in (
        "queued",
        "running",
    ):
        if time.monotonic() > deadline:
            raise RuntimeError(f"run {user.run_id} did not finish in {timeout} s")
        await asyncio.sleep(0.5)
    if run["status"] != "succeeded":
        raise RuntimeError(f"run {user.run_id} ended {run['status']}: {run['error']}")
    tree = (await client.get(f"/api/projects/{user.project_id}/tree", headers=user.headers)).json()
    small = [f["path"] for f in tree["files"] if f["size"] < 20_000 and f["path"] != "README.md"]
    user.files = small[:8]


async def prepare(client: httpx.AsyncClient, *, users: int) -> list[User]:
    """Half the users browse with a session cookie, half with an API token; each owns one project."""
    people = [await register(client, bearer=i % 2 == 1) for i in range(users)]
    for user in people:
        await start_run(client, user)
    await asyncio.gather(*(generated(client, user) for user in people))
    return people


def caller(http: Http, people: list[User]) -> Send:
    """The request for each slot of the timetable."""
    loop = asyncio.get_running_loop()

    async def send(slot: Slot) -> tuple[int, list[Sample]]:
        user = people[slot.user]
        project = f"/api/projects/{user.project_id}"
        extra: list[Sample] = []
        if slot.kind == HEALTH:
            answer = await http.request("GET", "/health")
        elif slot.kind == "GET /api/auth/me":
            answer = await http.request("GET", "/api/auth/me", user.headers)
        elif slot.kind == "GET /api/projects":
            answer = await http.request("GET", "/api/projects", user.headers)
        elif slot.kind == "GET /api/projects/{id}":
            answer = await http.request("GET", project, user.headers)
        elif slot.kind == "GET /api/runs/{id}":
            answer = await http.request("GET", f"/api/runs/{user.run_id}", user.headers)
        elif slot.kind == "GET /api/projects/{id}/tree":
            answer = await http.request("GET", f"{project}/tree", user.headers)
        elif slot.kind == "GET /api/projects/{id}/files/{path}":
            path = user.files[slot.index % len(user.files)]
            answer = await http.request("GET", f"{project}/files/{path}", user.headers)
        elif slot.kind == "PUT /api/projects/{id}/files/{path}":
            user.edits += 1
            body = {"content": f"# Notes\n\nEdit {user.edits} from the API benchmark.\n"}
            answer = await http.request(
                "PUT", f"{project}/files/README.md", user.write_headers, json.dumps(body).encode()
            )
        elif slot.kind == "POST /api/tokens":
            answer = await http.request("POST", "/api/tokens", user.write_headers, b'{"name": "bench"}')
            if answer.status == 201:
                started = loop.time()
                token_id = json.loads(answer.body)["id"]
                revoked = await http.request("DELETE", f"/api/tokens/{token_id}", user.write_headers)
                took = loop.time() - started
                extra.append(Sample(REVOKE, revoked.status, took, took))
        else:
            raise ValueError(f"unknown kind {slot.kind!r}")
        return answer.status, extra

    return send


# --- phase 1: latency at a fixed rate ----------------------------------------------------------


@dataclass(frozen=True)
class LatencyResult:
    health: Summary
    api: Summary  # the scheduled requests of the mix
    health_cpu: float  # server CPU seconds per request
    api_cpu: float
    by_kind: dict[str, Summary]
    statuses: dict[int, int]
    scheduled: int


async def measure_latency(
    url: str, pid: int, *, users: int, rate: float, seconds: float, warmup: float
) -> LatencyResult:
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        people = await prepare(client, users=users)
    host, port = url.removeprefix("http://").split(":")
    http = Http(host, int(port))
    try:
        send = caller(http, people)
        warm = timetable(rate=rate, seconds=warmup, users=users, mix=MIX, seed=1)
        await open_loop(warm, rate=rate, send=send)
        health_slots = [Slot(i, HEALTH, 0) for i in range(round(rate * seconds))]
        cpu = cpu_seconds(pid)
        health, health_wall = await open_loop(health_slots, rate=rate, send=send)
        health_cpu, cpu = cpu_seconds(pid) - cpu, cpu_seconds(pid)
        slots = timetable(rate=rate, seconds=seconds, users=users, mix=MIX, seed=7)
        samples, wall = await open_loop(slots, rate=rate, send=send)
        api_cpu = cpu_seconds(pid) - cpu
    finally:
        http.close()
    scheduled = [s for s in samples if s.kind != REVOKE]
    statuses: dict[int, int] = {}
    for s in samples:
        statuses[s.status] = statuses.get(s.status, 0) + 1
    return LatencyResult(
        health=summarize(health, health_wall),
        api=summarize(scheduled, wall),
        health_cpu=health_cpu / len(health),
        api_cpu=api_cpu / len(samples),
        by_kind={
            k: summarize([s for s in samples if s.kind == k], wall) for k in sorted({s.kind for s in samples})
        },
        statuses=statuses,
        scheduled=len(slots),
    )


# --- phase 2: many open event streams ----------------------------------------------------------


@dataclass
class Stream:
    status: int = 0
    heartbeats: int = 0
    events: list[str] = field(default_factory=list)
    ended_at: float = 0.0


async def follow(http: Http, path: str, headers: dict[str, str], into: Stream) -> None:
    """Read one event stream to its end, counting heartbeats and events."""
    writer = None
    try:
        into.status, lines, writer = await http.stream_lines(path, headers)
        async for line in lines:
            if line.startswith(b":"):
                into.heartbeats += 1
            elif line.startswith(b"data:"):
                into.events.append(json.loads(line[5:])["type"])
    except (OSError, asyncio.IncompleteReadError):
        pass
    finally:
        if writer is not None:
            writer.close()
    into.ended_at = asyncio.get_running_loop().time()


@dataclass(frozen=True)
class StreamResult:
    streams: int
    opened: int  # answered 200 and sent a heartbeat: subscribed and idling on the bus
    seconds_to_open: float
    rss_before_kib: int
    rss_open_kib: int  # the most seen while all were open
    rss_after_kib: int
    health_idle: list[float]
    health_open: list[float]
    cancelled_seen: int  # streams that received `run.cancelled`
    ended_without: int  # streams the server ended without sending it
    delivery_max: float  # from the cancel request to the last stream's end
    other_events: int


async def _health_times(http: Http, count: int, every: float) -> list[float]:
    times = []
    for _ in range(count):
        started = time.perf_counter()
        if (await http.request("GET", "/health")).status != 200:
            raise RuntimeError("/health did not answer 200")
        times.append(time.perf_counter() - started)
        await asyncio.sleep(every)
    return times


async def measure_streams(url: str, pid: int, *, streams: int, hold: float) -> StreamResult:
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        user = await register(client, bearer=True)
        await start_run(client, user)
    host, port = url.removeprefix("http://").split(":")
    http = Http(host, int(port))
    path = f"/api/runs/{user.run_id}/events"
    loop = asyncio.get_running_loop()
    # Warm the route (lazy imports, first queries) so "before" is a server that has served a stream.
    warm = asyncio.create_task(follow(http, path, user.headers, Stream()))
    health_idle = await _health_times(http, 20, 0.05)
    warm.cancel()
    await asyncio.gather(warm, return_exceptions=True)
    await asyncio.sleep(1)
    rss_before = rss_kib(pid)

    started = loop.time()
    held = [Stream() for _ in range(streams)]
    tasks = [asyncio.create_task(follow(http, path, user.headers, s)) for s in held]
    # Open means subscribed: a heartbeat is sent only from the loop that follows the bus.
    while sum(1 for s in held if s.heartbeats) < streams and loop.time() - started < 120:
        await asyncio.sleep(0.1)
    opened = sum(1 for s in held if s.status == 200 and s.heartbeats)
    seconds_to_open = loop.time() - started
    rss_open = rss_kib(pid)
    health_open: list[float] = []
    end = loop.time() + hold
    while loop.time() < end:
        health_open += await _health_times(http, 5, 0.1)
        rss_open = max(rss_open, rss_kib(pid))

    cancel_at = loop.time()
    cancelled = await http.request("POST", f"/api/runs/{user.run_id}/cancel", user.write_headers, b"")
    if cancelled.status != 202:
        raise RuntimeError(f"cancel answered {cancelled.status}: {cancelled.body!r}")
    await asyncio.wait(tasks, timeout=60)
    await asyncio.sleep(2)  # let the server finish tearing the streams down
    rss_after = rss_kib(pid)
    http.close()
    ended = [s.ended_at for s in held if "run.cancelled" in s.events]
    return StreamResult(
        streams=streams,
        opened=opened,
        seconds_to_open=seconds_to_open,
        rss_before_kib=rss_before,
        rss_open_kib=rss_open,
        rss_after_kib=rss_after,
        health_idle=health_idle,
        health_open=health_open,
        cancelled_seen=len(ended),
        ended_without=sum(1 for s in held if s.ended_at and "run.cancelled" not in s.events),
        delivery_max=max(ended) - cancel_at if ended else float("nan"),
        other_events=sum(len(s.events) for s in held) - len(ended),
    )


# --- report ------------------------------------------------------------------------------------


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def mib(kib: int) -> str:
    return f"{kib / 1024:.1f}"


def print_latency(result: LatencyResult, rate: float) -> None:
    print(f"\nAPI at {rate:g} requests/s, open loop (ms from when each request was due)")
    print(f"{'requests':<38} {'n':>6} {'err':>4} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7}")
    rows = [
        ("baseline " + HEALTH, result.health),
        ("mix (all scheduled)", result.api),
        *result.by_kind.items(),
    ]
    for name, s in rows:
        cells = (ms(s.p50), ms(s.p95), ms(s.p99), ms(s.max))
        print(f"{name:<38} {s.count:>6} {s.errors:>4} " + " ".join(f"{c:>7}" for c in cells))
    print(
        f"achieved: mix {result.api.rate:.1f}/s ({result.api.count}/{result.scheduled} scheduled), "
        f"health {result.health.rate:.1f}/s; statuses {dict(sorted(result.statuses.items()))}"
    )
    print(
        f"server CPU per request: mix {ms(result.api_cpu)} ms, health {ms(result.health_cpu)} ms "
        f"({result.api_cpu / result.health_cpu:.1f}x)"
    )
    print(
        f"p95 mix / p95 health: {result.api.p95 / result.health.p95:.2f}x   target p95 <= 50 ms: "
        f"{'met' if result.api.p95 <= 0.050 else 'MISSED'}"
    )


def print_streams(r: StreamResult) -> None:
    delta = r.rss_open_kib - r.rss_before_kib
    print(f"\n{r.streams} event streams on one queued run")
    print(f"open (200 + a heartbeat): {r.opened}/{r.streams} in {r.seconds_to_open:.1f} s")
    print(
        f"server RSS: before {mib(r.rss_before_kib)} MiB, all open {mib(r.rss_open_kib)} MiB "
        f"(+{mib(delta)} MiB, {delta / max(1, r.streams):.0f} KiB/stream), after {mib(r.rss_after_kib)} MiB"
    )
    print(
        f"/health: idle p50 {ms(percentile(r.health_idle, 50))} ms max {ms(max(r.health_idle))} ms; "
        f"with streams open p50 {ms(percentile(r.health_open, 50))} ms "
        f"p95 {ms(percentile(r.health_open, 95))} ms max {ms(max(r.health_open))} ms"
    )
    print(
        f"cancel -> run.cancelled on {r.cancelled_seen}/{r.streams} streams, last after "
        f"{ms(r.delivery_max)} ms; ended without it {r.ended_without}; other events {r.other_events}"
    )
    # The target is the memory of the streams; the whole process (libraries included) is shown beside it.
    streams_met = "met" if delta * 1024 <= 150e6 else "MISSED"
    print(f"target <= 150 MB for the {r.streams} streams: {delta * 1024 / 1e6:.1f} MB, {streams_met}")
    print(f"whole server process with them open: {r.rss_open_kib * 1024 / 1e6:.1f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--rate", type=float, default=200.0, help="requests per second")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each measured phase")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--users", type=int, default=4)
    parser.add_argument("--streams", type=int, default=500)
    parser.add_argument("--hold", type=float, default=10.0, help="seconds the streams stay open")
    parser.add_argument("--heartbeat", type=float, default=5.0, help="AUTOCREA_SSE_HEARTBEAT_SECONDS")
    parser.add_argument("--keep", action="store_true", help="keep the data directory (server logs)")
    parser.add_argument("--only", choices=("latency", "streams"), help="run one of the two parts")
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="autocrea-bench-api-"))
    print(f"backend {args.backend}; data and server logs in {data}")
    try:
        with backend_env(args.backend, data) as env:
            if args.only != "streams":
                with autocrea_server(data, env) as server:
                    latency = asyncio.run(
                        measure_latency(
                            server.url,
                            server.pid,
                            users=args.users,
                            rate=args.rate,
                            seconds=args.seconds,
                            warmup=args.warmup,
                        )
                    )
                print_latency(latency, args.rate)
            if args.only == "latency":
                return
            quiet = {
                **env,
                "AUTOCREA_EMBEDDED_WORKER": "false",
                "AUTOCREA_SSE_HEARTBEAT_SECONDS": str(args.heartbeat),
            }
            with autocrea_server(data, quiet) as server:
                streams = asyncio.run(
                    measure_streams(server.url, server.pid, streams=args.streams, hold=args.hold)
                )
            print_streams(streams)
    finally:
        if not args.keep:
            shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
