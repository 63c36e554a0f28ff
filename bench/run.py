"""`make bench`: the municipality benchmarks on SQLite and PostgreSQL, written to RESULTS.md.

For each database: a fresh database is migrated and seeded (bench/dataset.py); GET /slots is
timed in-process through the real app (app.test_client()); then the app is served by gunicorn
with 2 workers and driven by 32 concurrent clients on loopback (bench/load.py, its own
process): GET /healthz as the framework's ceiling, POST /bookings with every client contending
for a few slots, and POST /bookings of distinct free slots. Afterwards one SQL query looks for
double bookings. On the same database, an officer's calendar feed of 5,000 bookings is timed
(bench/feeds.py); then, on a fresh database, 10,000 due notifications are dispatched by two
worker processes to an SMTP server and an SMS gateway on loopback (bench/outbox.py), and on
another an officer's 2,000-event ICS calendar is imported (bench/calendar_import.py). Everything
is bounded in time, and gunicorn and the PostgreSQL databases are cleaned up whatever happens.

Options: --db sqlite,postgres  --duration SECONDS  --requests N  --clients N  --strict
(exit 1 when a target is missed; correctness failures always exit 1). BENCH_POSTGRES_URL
names the PostgreSQL server's maintenance database (default postgresql://postgres@127.0.0.1/test).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import platform
import random
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from bench import bookingprofile, cpu
from bench.calendar_import import measure_import
from bench.dataset import (
    ABSENCES,
    BOOKINGS,
    BUFFER_AFTER,
    COMPANY_ORGANISATION_NUMBER,
    DATA_DIR,
    DAYS,
    DURATION,
    HORIZON_DAYS,
    MEETING_TYPE,
    NOW,
    OFFICERS_PER_TEAM,
    STEP,
    Seeded,
    make_app,
    postgres_database,
    postgres_server_version,
    seed,
    sqlite_database,
)
from bench.feeds import measure_feeds
from bench.outbox import TARGET_PER_SECOND as OUTBOX_TARGET_PER_SECOND
from bench.outbox import measure_dispatch
from bench.slotprofile import QUERIES, breakdown, format_breakdown
from booking.extensions import db

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
GUNICORN = Path(sys.executable).parent / "gunicorn"
WATCHDOG_SECONDS = 900

SLOT_TARGETS_MS = {"team30": 10.0, "team62": 20.0, "officer30": 3.0}
SLOT_LABELS = {
    "team30": "GET /slots, one team (20 officers), 30 days",
    "team62": "GET /slots, one team (20 officers), 62 days",
    "officer30": "GET /slots, one officer, 30 days",
}
RATIO_TARGET = 0.10
RATIO_AIM = 0.20
RSS_LIMIT_MB = 150.0

DOUBLE_BOOKINGS_SQL = text(
    """
    SELECT COUNT(*) FROM bookings a
    JOIN bookings b ON a.officer_id = b.officer_id AND a.id < b.id
    WHERE a.status = 'confirmed' AND b.status = 'confirmed'
      AND a.busy_start_at < b.busy_end_at AND b.busy_start_at < a.busy_end_at
    """
)


def log(message: str) -> None:
    """Progress on stderr."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-fraction * len(ordered) // 1))))
    return ordered[rank - 1]


# ---------------------------------------------------------------------------------------------
# In-process slot timings


def measure_slots(app: Any, seeded: Seeded, requests: int) -> dict[str, dict[str, Any]]:
    """Median and p95 milliseconds of each slot query series, plus the test client's floor."""
    client = app.test_client()
    series: dict[str, Callable[[int], str]] = {
        name: (lambda i, q=query: q(i, seeded)) for name, query in QUERIES.items()
    }
    series["healthz"] = lambda i: "/healthz"
    results: dict[str, dict[str, Any]] = {}
    for name, path in series.items():
        for i in range(20):  # warm-up: caches, pools, lazy imports
            response = client.get(path(i))
            if response.status_code != 200:
                raise RuntimeError(f"GET {path(i)} answered {response.status_code}")
        before = cpu.snapshot()
        times: list[float] = []
        sizes: list[int] = []
        for i in range(requests):
            began = time.perf_counter()
            response = client.get(path(i))
            times.append(time.perf_counter() - began)
            if response.status_code != 200:
                raise RuntimeError(f"GET {path(i)} answered {response.status_code}")
            if name != "healthz":
                sizes.append(len(response.get_json()["slots"]))
        results[name] = {
            "median_ms": statistics.median(times) * 1000,
            "p95_ms": percentile(times, 0.95) * 1000,
            "n": float(requests),
            "slots": statistics.median(sizes) if sizes else 0.0,
            "cpu": cpu.split(before, cpu.snapshot()),
        }
        log(
            f"  {name}: median {results[name]['median_ms']:.2f} ms, "
            f"p95 {results[name]['p95_ms']:.2f} ms"
        )
    return results


def measure_posts(app: Any, requests: int) -> dict[str, dict[str, Any]]:
    """In-process POST /bookings: a granted booking (201) and a refused one (409), one by one.

    Company-team slots far in the horizon, so the gunicorn phases keep theirs. These give the
    cost of one booking request with no concurrency, to compare with the throughput.
    """
    client = app.test_client()
    first = NOW.date() + timedelta(days=70)
    slots = client.get(
        f"/api/v1/slots?meeting_type={MEETING_TYPE}&applicant_kind=company"
        f"&from={first.isoformat()}&to={(first + timedelta(days=14)).isoformat()}"
    ).get_json()["slots"]
    whole_hours = [
        slot
        for slot in slots
        if datetime.fromisoformat(slot["start"]).minute == 0
        for _ in range(int(slot["available_officers"]))
    ]
    full = whole_hours[0]["start"]
    pool = [slot["start"] for slot in whole_hours if slot["start"] != full]
    random.Random(3).shuffle(pool)
    results: dict[str, dict[str, Any]] = {}
    for expected, label in ((201, "post_201"), (409, "post_409")):
        if expected == 409:
            # Fill one slot with every officer free at it; from then on it can only be refused.
            for n in range(int(next(s for s in slots if s["start"] == full)["available_officers"])):
                client.post("/api/v1/bookings", json=booking_body(full, "company", 50_000 + n))
        before = cpu.snapshot()
        times: list[float] = []
        for n in range(requests):
            start = pool.pop() if expected == 201 else full
            body = booking_body(start, "company", 60_000 + n)
            began = time.perf_counter()
            response = client.post("/api/v1/bookings", json=body)
            times.append(time.perf_counter() - began)
            if response.status_code != expected:
                raise RuntimeError(
                    f"POST {start} answered {response.status_code}, not {expected}: "
                    f"{response.get_data(as_text=True)[:300]}"
                )
        results[label] = {
            "median_ms": statistics.median(times) * 1000,
            "p95_ms": percentile(times, 0.95) * 1000,
            "n": float(requests),
            "cpu": cpu.split(before, cpu.snapshot()),
        }
        log(
            f"  {label}: median {results[label]['median_ms']:.2f} ms, "
            f"p95 {results[label]['p95_ms']:.2f} ms"
        )
    return results


# ---------------------------------------------------------------------------------------------
# Gunicorn and the load phases


def free_port() -> int:
    """A TCP port free on loopback right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http_get_json(port: int, path: str) -> tuple[int, Any]:
    """One GET on loopback, its status and JSON body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
        return response.status, json.loads(body) if body else None
    finally:
        connection.close()


def read_status_kb(pid: int, key: str) -> int | None:
    """A `kB` field of /proc/<pid>/status (VmRSS, VmHWM), or None when the process is gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        return None
    return None


def child_pids(pid: int) -> list[int]:
    """Direct children of a process, from /proc."""
    children: list[int] = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                stat = handle.read()
        except OSError:
            continue
        # The command name may hold spaces or parentheses: fields start after the last ')'.
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) > 1 and int(fields[1]) == pid:
            children.append(int(entry))
    return sorted(children)


class Gunicorn:
    """`gunicorn -w 2 'bench.wsgi:create_app()'` on a free loopback port, stopped by its pid."""

    def __init__(self, database_url: str, label: str, workers: int = 2) -> None:
        self.database_url = database_url
        self.workers = workers
        self.port = free_port()
        self.log_path = DATA_DIR / f"gunicorn-{label}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.seen_workers: dict[int, dict[str, int]] = {}

    def start(self) -> None:
        env = dict(os.environ, BENCH_DATABASE_URL=self.database_url)
        command = [
            str(GUNICORN),
            "-w",
            str(self.workers),
            "-b",
            f"127.0.0.1:{self.port}",
            "--log-level",
            "warning",
            "--timeout",
            "60",
            "bench.wsgi:create_app()",
        ]
        with open(self.log_path, "wb") as log_file:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited early; see {self.log_path}")
            with contextlib.suppress(OSError):
                if http_get_json(self.port, "/healthz")[0] == 200 and len(self.worker_pids()) >= (
                    self.workers
                ):
                    return
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not become ready in 30 s; see {self.log_path}")

    def worker_pids(self) -> list[int]:
        return child_pids(self.process.pid) if self.process is not None else []

    def sample_memory(self) -> None:
        """Remember each worker's VmRSS and VmHWM (kB), keeping the largest seen."""
        for pid in self.worker_pids():
            rss, hwm = read_status_kb(pid, "VmRSS"), read_status_kb(pid, "VmHWM")
            if rss is None or hwm is None:
                continue
            seen = self.seen_workers.setdefault(pid, {"rss_kb": 0, "hwm_kb": 0})
            seen["rss_kb"] = max(seen["rss_kb"], rss)
            seen["hwm_kb"] = max(seen["hwm_kb"], hwm)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        workers = self.worker_pids()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        for pid in workers:  # only if a worker outlived its master
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def run_load(spec: dict[str, Any], name: str, server: Gunicorn) -> dict[str, Any]:
    """Run bench/load.py in its own process with this spec; return its result."""
    path = DATA_DIR / f"load-{name}.json"
    path.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    server_pids = [server.process.pid, *server.worker_pids()] if server.process else []
    before = cpu.snapshot()
    completed = subprocess.run(
        [sys.executable, "-m", "bench.load", str(path)],
        cwd=ROOT,
        capture_output=True,
        timeout=spec["duration"] + 90,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"load generator failed: {completed.stderr.decode()[-2000:]}")
    result: dict[str, Any] = json.loads(completed.stdout)
    result["cpu"] = cpu.split(before, cpu.snapshot(), server_pids=server_pids)
    full = [n for n in result["per_second"][:-1]] or result["per_second"]
    result["per_second_median"] = statistics.median(full) if full else 0.0
    return result


def booking_body(start: str, kind: str, number: int) -> dict[str, Any]:
    """A valid public booking request for `start`."""
    applicant: dict[str, Any] = {
        "kind": kind,
        "name": f"Lasttest Sökande {number}",
        "email": f"last{number}@example.org",
    }
    if kind == "company":
        applicant["organisation_number"] = COMPANY_ORGANISATION_NUMBER
    return {
        "meeting_type": MEETING_TYPE,
        "start": start,
        "mode": "video",
        "applicant": applicant,
        "property_designation": "SJÖDALEN 1:1",
    }


def slots_over_http(port: int, kind: str, first: str, last: str) -> list[dict[str, Any]]:
    """GET /slots through gunicorn."""
    status, body = http_get_json(
        port,
        f"/api/v1/slots?meeting_type={MEETING_TYPE}&applicant_kind={kind}&from={first}&to={last}",
    )
    if status != 200:
        raise RuntimeError(f"GET /slots answered {status}: {body}")
    return list(body["slots"])


def contended_bodies(port: int) -> tuple[list[dict[str, Any]], int]:
    """The first four slots of one day of the private team, and how many officers they offer."""
    day = (NOW.date() + timedelta(days=14)).isoformat()
    slots = slots_over_http(port, "private", day, day)[:4]
    if not slots:
        raise RuntimeError(f"no free slot on {day} to contend for")
    bodies = [booking_body(slot["start"], "private", n) for n, slot in enumerate(slots)]
    return bodies, sum(int(slot["available_officers"]) for slot in slots)


def distinct_bodies(port: int) -> list[dict[str, Any]]:
    """One request per free officer at every whole-hour start over the horizon, both teams.

    Whole-hour starts with a 45 + 15 minute meeting never overlap each other, so each request
    can be granted: a 409 here means the service refused a slot it had offered.
    """
    today = NOW.date()
    windows = [
        (today + timedelta(days=1), today + timedelta(days=61)),
        (today + timedelta(days=62), today + timedelta(days=HORIZON_DAYS)),
    ]
    entries: list[tuple[str, str]] = []
    for kind in ("private", "company"):
        for first, last in windows:
            for slot in slots_over_http(port, kind, first.isoformat(), last.isoformat()):
                if datetime.fromisoformat(slot["start"]).minute == 0:
                    entries += [(kind, slot["start"])] * int(slot["available_officers"])
    random.Random(7).shuffle(entries)
    return [booking_body(start, kind, 100_000 + n) for n, (kind, start) in enumerate(entries)]


def confirmed_and_doubles(database_url: str) -> tuple[int, int]:
    """(confirmed bookings, pairs of one officer's confirmed bookings whose busy spans overlap)."""
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            confirmed = connection.execute(
                text("SELECT COUNT(*) FROM bookings WHERE status = 'confirmed'")
            ).scalar_one()
            doubles = connection.execute(DOUBLE_BOOKINGS_SQL).scalar_one()
        return int(confirmed), int(doubles)
    finally:
        engine.dispose()


def measure_throughput(
    database_url: str, label: str, duration: float, clients: int
) -> dict[str, Any]:
    """Healthz ceiling, contended and distinct bookings through gunicorn; checks afterwards."""
    server = Gunicorn(database_url, label)
    phases: dict[str, Any] = {}
    checks: dict[str, Any] = {}
    try:
        server.start()
        log(f"  gunicorn up on port {server.port}, workers {server.worker_pids()}")
        server.sample_memory()
        base = {"port": server.port, "duration": duration, "clients": clients}

        phases["healthz"] = run_load(
            {**base, "method": "GET", "path": "/healthz"}, "healthz", server
        )
        server.sample_memory()
        log(f"  healthz: {phases['healthz']['throughput_rps']:.0f} req/s")

        bodies, capacity = contended_bodies(server.port)
        before, _ = confirmed_and_doubles(database_url)
        phases["contended"] = run_load(
            {
                **base,
                "method": "POST",
                "path": "/api/v1/bookings",
                "bodies": bodies,
                "pick": "random",
                "seed": 1,
            },
            "contended",
            server,
        )
        after, _ = confirmed_and_doubles(database_url)
        phases["contended"]["capacity"] = capacity
        phases["contended"]["created_in_db"] = after - before
        server.sample_memory()
        log(
            f"  contended: {phases['contended']['throughput_rps']:.0f} req/s "
            f"{phases['contended']['statuses']}"
        )

        bodies = distinct_bodies(server.port)
        before = after
        phases["distinct"] = run_load(
            {**base, "method": "POST", "path": "/api/v1/bookings", "bodies": bodies, "pick": "pop"},
            "distinct",
            server,
        )
        after, doubles = confirmed_and_doubles(database_url)
        phases["distinct"]["offered"] = len(bodies)
        phases["distinct"]["created_in_db"] = after - before
        server.sample_memory()
        log(
            f"  distinct: {phases['distinct']['throughput_rps']:.0f} req/s "
            f"{phases['distinct']['statuses']}"
        )
        checks["double_bookings"] = doubles
        checks["confirmed_after"] = after
    finally:
        server.stop()
    checks["workers"] = server.seen_workers
    checks["gunicorn_log"] = str(server.log_path.relative_to(ROOT))
    return {"phases": phases, "checks": checks}


# ---------------------------------------------------------------------------------------------
# One database, start to end


@dataclass
class DatabaseRun:
    """Everything measured on one database."""

    name: str
    version: str = ""
    seeded: Seeded | None = None
    slots: dict[str, dict[str, Any]] = field(default_factory=dict)
    posts: dict[str, dict[str, Any]] = field(default_factory=dict)
    breakdowns: dict[str, dict[str, Any]] = field(default_factory=dict)
    booking_breakdown: dict[str, Any] = field(default_factory=dict)
    throughput: dict[str, Any] = field(default_factory=dict)
    # Issue 3 and 4 benchmarks: dispatch throughput, calendar feed render and revalidation.
    outbox: dict[str, Any] = field(default_factory=dict)
    feeds: dict[str, Any] = field(default_factory=dict)
    calendar_import: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


OUTBOX_MESSAGES = 10_000


def bench_database(
    run: DatabaseRun, database: contextlib.AbstractContextManager[str], args: argparse.Namespace
) -> None:
    """Seed, time the slots in-process, profile them, then load the app under gunicorn."""
    with database as url:
        app = make_app(url)
        try:
            log(f"{run.name}: seeding")
            run.seeded = seed(app)
            log(f"  seeded in {run.seeded.seconds:.1f} s")
            log(f"{run.name}: GET /slots in-process, {args.requests} requests each")
            run.slots = measure_slots(app, run.seeded, args.requests)
            log(f"{run.name}: POST /bookings in-process, {args.requests // 2} requests each")
            run.posts = measure_posts(app, args.requests // 2)
            seeded = run.seeded
            for name in ("team30", "officer30"):
                query = QUERIES[name]
                run.breakdowns[name] = breakdown(
                    app, lambda i, q=query: q(i, seeded), requests=min(args.requests, 100)
                )
            # Company slots near the end of the horizon, apart from measure_posts' window.
            starts = bookingprofile.free_starts(app, 85, 5)
            run.booking_breakdown = bookingprofile.breakdown(
                app,
                lambda n: booking_body(starts.pop(), "company", 80_000 + n),
                requests=min(args.requests // 2, 100),
            )
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
        log(f"{run.name}: gunicorn -w 2, {args.clients} clients, {args.duration:.0f} s per phase")
        run.throughput = measure_throughput(url, run.name.lower(), args.duration, args.clients)
        log(f"{run.name}: calendar feed of 5,000 bookings, in-process")
        run.feeds = measure_feeds(url)


def bench_outbox(run: DatabaseRun, database: contextlib.AbstractContextManager[str]) -> None:
    """Dispatch 10,000 due messages with 2 worker processes on a fresh database."""
    log(f"{run.name}: notification dispatch, {OUTBOX_MESSAGES:,} messages, 2 workers")
    with database as url:
        run.outbox = measure_dispatch(url, count=OUTBOX_MESSAGES, workers=2)


def bench_calendar_import(
    run: DatabaseRun, database: contextlib.AbstractContextManager[str]
) -> None:
    """Import one officer's 2,000-event ICS file (weekly recurrences) on a fresh database."""
    log(f"{run.name}: busy-time import of a 2,000-event calendar")
    with database as url:
        run.calendar_import = measure_import(url)


# ---------------------------------------------------------------------------------------------
# Report


def machine() -> dict[str, str]:
    """Where the run happened."""
    model = "unknown CPU"
    with (
        contextlib.suppress(OSError),
        open("/proc/cpuinfo", encoding="ascii", errors="replace") as f,
    ):
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    try:
        nproc = subprocess.run(["nproc"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        nproc = str(os.cpu_count())
    versions = ", ".join(
        f"{name} {metadata.version(name)}"
        for name in ("flask", "flask-smorest", "sqlalchemy", "gunicorn", "psycopg")
    )
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "host": platform.node(),
        "arch": platform.machine(),
        "nproc": nproc,
        "cpu": model,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "packages": versions,
    }


def verdict(ok: bool) -> str:
    return "PASS" if ok else "**FAIL**"


@dataclass
class Verdicts:
    """PASS/FAIL per row; correctness failures are kept apart from missed speed targets."""

    correctness_failed: bool = False
    target_missed: bool = False
    notes: list[str] = field(default_factory=list)


def phase_cells(run: DatabaseRun, phase: str) -> dict[str, Any] | None:
    return run.throughput.get("phases", {}).get(phase) if run.throughput else None


def worker_ms(result: dict[str, Any]) -> float:
    """Gunicorn workers' CPU milliseconds per answered request in a phase."""
    return 1000 * result["cpu"]["server_cpu_s"] / max(1, result["completed"])


def slots_cell(name: str, stats: dict[str, Any]) -> str:
    return f"{stats['slots']:.0f}" if name in QUERIES else "—"


def server_errors(result: dict[str, Any]) -> int:
    return sum(n for code, n in result["statuses"].items() if int(code) >= 500)


def write_results(
    runs: list[DatabaseRun], info: dict[str, str], args: argparse.Namespace
) -> Verdicts:
    """Write bench/RESULTS.md; return the verdicts."""
    v = Verdicts()
    lines: list[str] = [
        "# Benchmark results",
        "",
        "Written by `make bench` (`.venv/bin/python -m bench.run`); do not edit by hand.",
        "",
        f"- **Date:** {info['date']}",
        f"- **Machine:** `{info['arch']}` (`uname -m`), {info['nproc']} CPUs (`nproc`), "
        f"{info['cpu']}, Linux {info['kernel']}",
        f"- **Software:** Python {info['python']}, SQLite {info['sqlite']}"
        + "".join(f", PostgreSQL {r.version}" for r in runs if r.name == "PostgreSQL")
        + f"; {info['packages']}",
        f"- **Machine load in the 2 s before the run:** {info['before']}. Other users' processes "
        "share these CPUs (and the PostgreSQL server); the CPU columns below say how much.",
        f"- **Dataset** (bench/dataset.py, seed fixed): 2 teams × {OFFICERS_PER_TEAM} officers, "
        f"Mon–Fri 08:00–16:00 with lunch 12–13, {DURATION}-minute meetings + {BUFFER_AFTER}-minute "
        f"buffer after on a {STEP}-minute grid, {BOOKINGS:,} confirmed bookings and {ABSENCES} "
        f"absences over {DAYS} days from the fixed now {NOW.isoformat()} (horizon "
        f"{HORIZON_DAYS} days, public notice 24 h; Swedish holidays apply).",
        f"- **Slot timings:** in-process through `app.test_client()`, {args.requests} requests "
        "per row after 20 warm-up requests, the date window moving day by day (and the officer "
        "changing), public caller, `time.perf_counter` around the whole request.",
        f"- **Throughput:** `gunicorn -w 2` (sync workers, which close the connection after each "
        f"response) on 127.0.0.1, {args.clients} concurrent clients (bench/load.py, asyncio, "
        f"one separate process on the same {info['nproc']} CPUs), {args.duration:.0f} s per "
        "phase.",
        "",
        "## Summary",
        "",
    ]
    header = "| measurement | target |"
    rule = "|---|---|"
    for run in runs:
        header += f" {run.name} median | {run.name} p95 | {run.name} |"
        rule += "---:|---:|---|"
    lines += [header, rule]

    def add_row(label: str, target: str, cells: list[tuple[str, str, str]]) -> None:
        row = f"| {label} | {target} |"
        for median, p95, result in cells:
            row += f" {median} | {p95} | {result} |"
        lines.append(row)

    for name, label in SLOT_LABELS.items():
        target = SLOT_TARGETS_MS[name]
        cells = []
        for run in runs:
            stats = run.slots.get(name)
            if stats is None:
                cells.append(("—", "—", "not run"))
                continue
            ok = stats["median_ms"] <= target
            v.target_missed |= not ok
            cells.append((f"{stats['median_ms']:.2f} ms", f"{stats['p95_ms']:.2f} ms", verdict(ok)))
        add_row(label, f"median ≤ {target:g} ms", cells)
    add_row(
        "GET /healthz in-process (test-client floor)",
        "—",
        [
            (
                f"{run.slots['healthz']['median_ms']:.2f} ms",
                f"{run.slots['healthz']['p95_ms']:.2f} ms",
                "",
            )
            if "healthz" in run.slots
            else ("—", "—", "")
            for run in runs
        ],
    )
    for label_key, label in (
        ("post_201", "POST /bookings in-process, one at a time, granted (201)"),
        ("post_409", "POST /bookings in-process, one at a time, refused (409)"),
    ):
        add_row(
            label,
            "—",
            [
                (
                    f"{run.posts[label_key]['median_ms']:.2f} ms",
                    f"{run.posts[label_key]['p95_ms']:.2f} ms",
                    "",
                )
                if label_key in run.posts
                else ("—", "—", "")
                for run in runs
            ],
        )

    cells = []
    for run in runs:
        result = phase_cells(run, "healthz")
        if result is None:
            cells.append(("—", "—", "not run"))
            continue
        cells.append(
            (
                f"{result['throughput_rps']:.0f} req/s",
                f"latency p50 {result['latency_ms']['p50']:.1f} / p95 "
                f"{result['latency_ms']['p95']:.1f} ms",
                "",
            )
        )
    add_row("GET /healthz via gunicorn (the ceiling)", "—", cells)

    for phase, label in (
        ("contended", "POST /bookings, all clients contending for 4 slots (mostly 409)"),
        ("distinct", "POST /bookings, distinct free slots (mostly 201)"),
    ):
        cells = []
        for run in runs:
            result, ceiling = phase_cells(run, phase), phase_cells(run, "healthz")
            if result is None or ceiling is None:
                cells.append(("—", "—", "not run"))
                continue
            ratio = result["throughput_rps"] / ceiling["throughput_rps"]
            ok = ratio >= RATIO_TARGET
            v.target_missed |= not ok
            aim = " (aim met)" if ratio >= RATIO_AIM else " (below the 20 % aim)" if ok else ""
            cpu_ratio = worker_ms(ceiling) / max(1e-9, worker_ms(result))
            cells.append(
                (
                    f"{result['throughput_rps']:.0f} req/s = {100 * ratio:.1f} % of ceiling "
                    f"(by worker CPU per request: {100 * cpu_ratio:.1f} %)",
                    f"latency p50 {result['latency_ms']['p50']:.1f} / p95 "
                    f"{result['latency_ms']['p95']:.1f} ms",
                    verdict(ok) + aim,
                )
            )
        add_row(label, f"≥ {RATIO_TARGET:.0%} of ceiling (aim {RATIO_AIM:.0%})", cells)

    cells = []
    for run in runs:
        phases = run.throughput.get("phases", {}) if run.throughput else {}
        if not phases:
            cells.append(("—", "—", "not run"))
            continue
        errors = sum(server_errors(r) for r in phases.values())
        transport = sum(sum(r["errors"].values()) for r in phases.values())
        ok = errors == 0
        v.correctness_failed |= not ok
        cells.append((f"{errors}", f"transport errors {transport}", verdict(ok)))
    add_row("5xx responses under load (all phases)", "0", cells)

    cells = []
    for run in runs:
        checks = run.throughput.get("checks", {}) if run.throughput else {}
        if "double_bookings" not in checks:
            cells.append(("—", "—", "not run"))
            continue
        consistent = all(
            r["created_in_db"] == int(r["statuses"].get("201", 0))
            for r in (run.throughput["phases"]["contended"], run.throughput["phases"]["distinct"])
        )
        ok = checks["double_bookings"] == 0 and consistent
        v.correctness_failed |= not ok
        cells.append(
            (
                f"{checks['double_bookings']}",
                "every 201 is in the DB" if consistent else "201s ≠ new rows",
                verdict(ok),
            )
        )
    add_row("double bookings afterwards (one SQL self-join)", "0", cells)

    cells = []
    for run in runs:
        workers = run.throughput.get("checks", {}).get("workers") if run.throughput else None
        if not workers:
            cells.append(("—", "—", "not run"))
            continue
        rss = max(w["rss_kb"] for w in workers.values()) / 1024
        hwm = max(w["hwm_kb"] for w in workers.values()) / 1024
        ok = hwm < RSS_LIMIT_MB
        v.target_missed |= not ok
        cells.append((f"RSS {rss:.0f} MB", f"peak (VmHWM) {hwm:.0f} MB", verdict(ok)))
    add_row("largest gunicorn worker", f"< {RSS_LIMIT_MB:.0f} MB", cells)

    cells = []
    for run in runs:
        result = run.outbox
        if not result:
            cells.append(("—", "—", "not run"))
            continue
        ok = result["per_second"] >= OUTBOX_TARGET_PER_SECOND
        v.target_missed |= not ok
        v.correctness_failed |= not result["exactly_once"]
        cells.append(
            (
                f"{result['per_second']:.0f} msg/s ({result['seconds']:.1f} s)",
                f"delivered {result['received']:,}, distinct {result['distinct']:,}, "
                f"duplicates {result['duplicates']}; worker CPU "
                f"{result['worker_cpu_ms_per_message']:.2f} ms/msg",
                verdict(ok and result["exactly_once"]),
            )
        )
    add_row(
        f"Outbox dispatch: {OUTBOX_MESSAGES:,} due messages (half e-mail with iMIP, half SMS), "
        "2 worker processes, SMTP server and SMS gateway on loopback",
        f"≥ {OUTBOX_TARGET_PER_SECOND}/s, each exactly once",
        cells,
    )
    for key in ("full", "not_modified", "not_modified_since"):
        cells = []
        label = target = ""
        for run in runs:
            stats = run.feeds.get(key) if run.feeds else None
            if not stats:
                cells.append(("—", "—", "not run"))
                continue
            label, target = stats["label"], f"median ≤ {stats['target_ms']:g} ms"
            v.target_missed |= not stats["passed"]
            cells.append(
                (
                    f"{stats['median_ms']:.2f} ms",
                    f"{stats['p95_ms']:.2f} ms",
                    verdict(stats["passed"]),
                )
            )
        if label:
            add_row(f"Officer calendar feed: {label}", target, cells)
    for key in ("full", "unchanged", "not_modified"):
        cells = []
        label = target = ""
        for run in runs:
            stats = run.calendar_import.get(key) if run.calendar_import else None
            if not stats:
                cells.append(("—", "—", "not run"))
                continue
            label, target = stats["label"], f"median ≤ {stats['target_s']:g} s"
            v.target_missed |= not stats["passed"]
            cells.append(
                (
                    f"{stats['median_s'] * 1000:.0f} ms",
                    f"{stats['p95_s'] * 1000:.0f} ms",
                    verdict(stats["passed"]),
                )
            )
        if label:
            add_row(f"Busy-time import: {label}", target, cells)

    for run in runs:
        if run.error:
            v.correctness_failed = True
            lines += ["", f"**{run.name} did not complete:** `{run.error}`"]

    lines += ["", "## In-process details", ""]
    lines += [
        "CPU-seconds used while each series ran: a timing taken while other processes were "
        "busy on these "
        f"{info['nproc']} CPUs is pessimistic.",
        "",
        "| database | series | n | median ms | p95 ms | slots returned (median) | CPU-s used |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for run in runs:
        for name, stats in [*run.slots.items(), *run.posts.items()]:
            lines.append(
                f"| {run.name} | {name} | {stats['n']:.0f} | {stats['median_ms']:.2f} | "
                f"{stats['p95_ms']:.2f} | {slots_cell(name, stats)} | "
                f"{cpu.describe(stats['cpu'], server_label='')} |"
            )

    lines += ["", "## Throughput details", ""]
    lines += [
        "Worker CPU per request (the gunicorn workers' CPU-seconds over the requests answered) "
        "does not depend on what else ran on the machine: the ratio of those of /healthz and of a "
        "booking is the throughput ratio the app would reach on CPUs of its own.",
        "",
        "| database | phase | requests | req/s | req/s, median 1-s bucket | statuses | "
        "latency p50 / p95 / p99 ms | worker CPU ms per request | CPU-s used | notes |",
        "|---|---|---:|---:|---:|---|---|---:|---|---|",
    ]
    for run in runs:
        for phase in ("healthz", "contended", "distinct"):
            r = phase_cells(run, phase)
            if r is None:
                continue
            notes = []
            if phase == "contended":
                notes.append(
                    f"4 slots offering {r['capacity']} officer-starts; {r['created_in_db']} rows "
                    "created"
                )
            if phase == "distinct":
                notes.append(
                    f"{r['offered']} requests prepared, {r['unused_bodies']} unused; "
                    f"{r['created_in_db']} rows created"
                )
            if r["errors"]:
                notes.append(f"transport errors {r['errors']}")
            if r["samples_5xx"]:
                notes.append("5xx sample: " + r["samples_5xx"][0][:120].replace("|", "/"))
            statuses = ", ".join(f"{code}: {n}" for code, n in r["statuses"].items())
            lat = r["latency_ms"]
            lines.append(
                f"| {run.name} | {phase} | {r['completed']} | {r['throughput_rps']:.0f} | "
                f"{r['per_second_median']:.0f} | {statuses} | {lat['p50']:.1f} / {lat['p95']:.1f}"
                f" / {lat['p99']:.1f} | {worker_ms(r):.2f} | {cpu.describe(r['cpu'])} | "
                f"{'; '.join(notes)} |"
            )
    for run in runs:
        workers = run.throughput.get("checks", {}).get("workers") if run.throughput else None
        if workers:
            sizes = ", ".join(
                f"pid {pid}: RSS {w['rss_kb'] / 1024:.0f} MB (peak {w['hwm_kb'] / 1024:.0f} MB)"
                for pid, w in sorted(workers.items())
            )
            lines.append(f"\n{run.name} workers: {sizes}.")

    lines += ["", "## Where a slot request spends its time", ""]
    lines.append(
        "Median per request (bench/slotprofile.py: the search's steps are wrapped in this "
        "process and timed with perf_counter; SQL time from SQLAlchemy's cursor events). "
        "SQLite runs a query while its rows are fetched, so on SQLite the query time shows in "
        "`load_schedules`, not in cursor.execute. "
        "`python -m bench.slotprofile --query team30` adds a cProfile listing; the analysis and "
        "suggested changes are in bench/PROFILE.md."
    )
    for run in runs:
        for name, result in run.breakdowns.items():
            lines += ["", f"### {run.name}: {SLOT_LABELS[name]}", "", format_breakdown(result)]

    lines += ["", "## Where a booking spends its time", ""]
    lines.append(
        "Median per granted POST /bookings, one at a time in-process (bench/bookingprofile.py: "
        "the booking path's steps wrapped and timed with perf_counter). Wall time: on PostgreSQL "
        "it includes waiting for the server. `python -m bench.bookingprofile --db postgres` adds "
        "a cProfile listing."
    )
    for run in runs:
        if run.booking_breakdown:
            lines += [
                "",
                f"### {run.name}: POST /bookings, granted",
                "",
                bookingprofile.format_breakdown(run.booking_breakdown),
            ]

    lines += [
        "",
        "## Reproduce",
        "",
        "```sh",
        "make bench                      # or: .venv/bin/python -m bench.run",
        ".venv/bin/python -m bench.run --db sqlite --duration 5   # quicker, one database",
        ".venv/bin/python -m bench.slotprofile --db postgres --query team62   # profile one query",
        ".venv/bin/python -m bench.bookingprofile --db postgres   # profile granted bookings",
        "```",
        "",
        "PostgreSQL: `BENCH_POSTGRES_URL` (default `postgresql://postgres@127.0.0.1:5432/test`) "
        "names a database to connect to; the run creates `bench_<pid>_<hex>` beside it and drops "
        "it afterwards. SQLite: `bench/.data/bench.sqlite3` (gitignored), kept for inspection with "
        "the gunicorn logs and load specs.",
        "",
    ]
    # The mixed-load section (bench/mixed_load.py, its own run) is kept at the end.
    mark = "## Mixed load: two instances"
    previous = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
    kept = mark + previous.split(mark, 1)[1] if mark in previous else ""
    RESULTS.write_text("\n".join(lines) + ("\n" + kept if kept else ""), encoding="utf-8")
    return v


# ---------------------------------------------------------------------------------------------


@contextlib.contextmanager
def watchdog(seconds: int) -> Iterator[None]:
    """Turn SIGTERM and a hard time limit into exceptions, so cleanup always runs."""

    def stop(signum: int, _frame: Any) -> None:
        raise SystemExit(f"bench stopped by signal {signum}")

    previous_term = signal.signal(signal.SIGTERM, stop)
    previous_alarm = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGTERM, previous_term)
        signal.signal(signal.SIGALRM, previous_alarm)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks and write bench/RESULTS.md."""
    parser = argparse.ArgumentParser(description="Booking service benchmarks")
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    info = machine()
    quiet = cpu.snapshot()
    time.sleep(2)
    idle = cpu.split(quiet, cpu.snapshot())
    info["before"] = cpu.describe(idle, server_label="")
    runs: list[DatabaseRun] = []
    with watchdog(WATCHDOG_SECONDS):
        for name in [n.strip() for n in args.db.split(",") if n.strip()]:
            if name == "sqlite":
                run = DatabaseRun("SQLite", version=sqlite3.sqlite_version)
                database: contextlib.AbstractContextManager[str] = sqlite_database()
            elif name == "postgres":
                run = DatabaseRun("PostgreSQL")
                try:
                    run.version = postgres_server_version()
                except Exception as exc:
                    run.error = f"PostgreSQL not reachable: {type(exc).__name__}: {exc}"
                    runs.append(run)
                    log(run.error)
                    continue
                database = postgres_database()
            else:
                parser.error(f"unknown database {name!r} (sqlite, postgres)")
            runs.append(run)
            try:
                bench_database(run, database, args)
                fresh = sqlite_database if name == "sqlite" else postgres_database
                bench_outbox(run, fresh())
                bench_calendar_import(run, fresh())
            except Exception as exc:
                run.error = f"{type(exc).__name__}: {exc}"
                log(f"{run.name} failed: {run.error}")
    verdicts = write_results(runs, info, args)
    log(f"wrote {RESULTS.relative_to(ROOT)} in {time.perf_counter() - began:.0f} s")
    print(RESULTS.read_text(encoding="utf-8").split("## Throughput details")[0])
    if verdicts.correctness_failed:
        return 1
    return 1 if args.strict and verdicts.target_missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
