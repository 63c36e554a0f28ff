"""Mixed load on two instances: 200 users searching and booking for 60 s, the worker dispatching.

On a fresh PostgreSQL database seeded with the municipality dataset (bench/dataset.py), two
gunicorn instances (2 workers each, on two loopback ports) serve 200 simulated users, half on
each instance. A user searches a week of slots for a random team and week, thinks for a moment
(0-1 s), and books one of the offered slots about once in ten searches, with an e-mail address
and a mobile number of its own. Meanwhile one `flask worker` process dispatches the outbox to a
real SMTP server and SMS gateway on loopback (tests/support, in processes of their own). After
the load the outbox is drained, the worker is stopped with SIGTERM and the run is checked: no
5xx, no two confirmed bookings of one officer overlapping, every booking the users were granted
stored, and every message that became due delivered exactly once (Message-ID for e-mail, the
recipient's own number for SMS).

`make bench-mixed` or `python -m bench.mixed_load [--duration 60] [--users 200]`; the results
replace the "Mixed load" section at the end of bench/RESULTS.md (bench/run.py keeps it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import platform
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from bench.dataset import (
    DATA_DIR,
    MEETING_TYPE,
    NOW,
    bench_config,
    make_app,
    postgres_database,
    postgres_server_version,
    seed,
)
from bench.load import _percentile, _read_response, _request_bytes
from bench.run import DOUBLE_BOOKINGS_SQL, RESULTS, Gunicorn, read_status_kb
from booking import create_app

ROOT = Path(__file__).resolve().parent.parent
FLASK = Path(sys.executable).parent / "flask"
MARK = "## Mixed load: two instances"
HOST = "127.0.0.1"
BOOK_EVERY = 10  # searches per booking attempt, on average
DRAIN_SECONDS = 120


def worker_app() -> Flask:
    """`flask --app 'bench.mixed_load:worker_app()' worker`: the benchmark app with the sinks."""
    settings = json.loads(os.environ["BENCH_WORKER_SETTINGS"])
    return create_app({**bench_config(os.environ["BENCH_DATABASE_URL"]), **settings})


def _sink(kind: str, ready: Any, stop: Any, results: Any) -> None:
    """Run one sink until told to stop; report what identifies each delivered message."""
    from tests.support.sms import SmsGateway
    from tests.support.smtp import SmtpServer

    if kind == "smtp":
        mail = SmtpServer().start()
        ready.put({"BOOKING_SMTP_URL": mail.url})
        stop.wait()
        received = [str(message_from_bytes(m.data)["Message-ID"]) for m in mail.messages]
        mail.stop()
    else:
        gateway = SmsGateway().start()
        ready.put(gateway.config())
        stop.wait()
        received = [m.to for m in gateway.messages]
        gateway.stop()
    results.put({"kind": kind, "received": received})


# ---------------------------------------------------------------------------------------------
# The users (run in a process of their own: python -m bench.mixed_load --users-only SPEC)


async def _exchange(
    port: int, method: str, path: str, body: bytes | None
) -> tuple[int, bytes, float]:
    began = time.perf_counter()
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        writer.write(_request_bytes(method, path, port, body))
        status, _, payload = await _read_response(reader)
    finally:
        writer.close()
    return status, payload, time.perf_counter() - began


async def _user(number: int, spec: dict[str, Any], tally: dict[str, Any], deadline: float) -> None:
    rng = random.Random(spec["seed"] + number)
    port = spec["ports"][number % len(spec["ports"])]
    attempts = 0
    today = datetime.fromisoformat(spec["now"]).date()
    while time.perf_counter() < deadline:
        kind = "private" if rng.random() < 0.7 else "company"
        first = today + timedelta(days=rng.randrange(2, 50))
        last = first + timedelta(days=6)
        path = (
            f"/api/v1/slots?meeting_type={MEETING_TYPE}&applicant_kind={kind}"
            f"&from={first.isoformat()}&to={last.isoformat()}"
        )
        if not await _call(tally, "GET /api/v1/slots", port, "GET", path, None):
            continue
        status, payload = tally["last"]
        await asyncio.sleep(rng.uniform(0, 1))
        if status != 200 or rng.randrange(BOOK_EVERY) or time.perf_counter() >= deadline:
            continue
        slots = json.loads(payload)["slots"]
        if not slots:
            continue
        attempts += 1
        applicant: dict[str, Any] = {
            "kind": kind,
            "name": f"Last Användare {number}",
            "email": f"u{number}.{attempts}@example.org",
            "phone": f"+4670{number:03d}{attempts:04d}",
        }
        if kind == "company":
            applicant["organisation_number"] = "556036-0793"
        body = {
            "meeting_type": MEETING_TYPE,
            "start": rng.choice(slots)["start"],
            "mode": "video",
            "applicant": applicant,
        }
        await _call(
            tally, "POST /api/v1/bookings", port, "POST", "/api/v1/bookings", json.dumps(body)
        )
        await asyncio.sleep(rng.uniform(0, 1))


async def _call(
    tally: dict[str, Any], name: str, port: int, method: str, path: str, body: str | None
) -> bool:
    try:
        status, payload, seconds = await _exchange(
            port, method, path, body.encode() if body is not None else None
        )
    except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
        tally["errors"][type(exc).__name__] = tally["errors"].get(type(exc).__name__, 0) + 1
        return False
    endpoint = tally["endpoints"].setdefault(name, {"latencies": [], "statuses": {}})
    endpoint["latencies"].append(seconds)
    endpoint["statuses"][str(status)] = endpoint["statuses"].get(str(status), 0) + 1
    if status >= 500 and len(tally["samples_5xx"]) < 5:
        tally["samples_5xx"].append(payload[:300].decode("utf-8", "replace"))
    tally["last"] = (status, payload)
    return True


async def _users(spec: dict[str, Any]) -> dict[str, Any]:
    tally: dict[str, Any] = {"endpoints": {}, "errors": {}, "samples_5xx": [], "last": None}
    began = time.perf_counter()
    deadline = began + spec["duration"]
    await asyncio.gather(*(_user(n, spec, tally, deadline) for n in range(spec["users"])))
    elapsed = time.perf_counter() - began
    report: dict[str, Any] = {"elapsed_s": elapsed, "errors": tally["errors"], "endpoints": {}}
    report["samples_5xx"] = tally["samples_5xx"]
    for name, endpoint in tally["endpoints"].items():
        latencies = endpoint["latencies"]
        report["endpoints"][name] = {
            "requests": len(latencies),
            "per_second": len(latencies) / elapsed,
            "statuses": endpoint["statuses"],
            "p50_ms": _percentile(latencies, 0.50) * 1000,
            "p95_ms": _percentile(latencies, 0.95) * 1000,
            "p99_ms": _percentile(latencies, 0.99) * 1000,
        }
    return report


# ---------------------------------------------------------------------------------------------
# The orchestrator


def _count(database_url: str, sql: str) -> int:
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text(sql)).scalar_one())
    finally:
        engine.dispose()


def _status_counts(database_url: str) -> dict[str, int]:
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT channel || ':' || status, count(*) FROM notifications GROUP BY 1")
            ).all()
        return {str(key): int(n) for key, n in rows}
    finally:
        engine.dispose()


def _due_left(database_url: str) -> int:
    now = NOW.astimezone(UTC).isoformat()
    return _count(
        database_url,
        "SELECT count(*) FROM notifications WHERE status IN ('pending', 'failed', 'sending') "
        f"AND next_attempt_at <= '{now}'",
    )


def _memory_kb(pids: list[int], seen: dict[int, int]) -> None:
    for pid in pids:
        hwm = read_status_kb(pid, "VmHWM")
        if hwm is not None:
            seen[pid] = max(seen.get(pid, 0), hwm)


def run(duration: int, users: int) -> dict[str, Any]:
    """Seed, serve, load, drain and check; return the figures."""
    load_before = os.getloadavg()
    with postgres_database() as url:
        seed(make_app(url))
        seeded = _count(url, "SELECT count(*) FROM bookings WHERE status = 'confirmed'")
        context = multiprocessing.get_context("spawn")
        ready, stop, sink_results = context.Queue(), context.Event(), context.Queue()
        sinks = [
            context.Process(target=_sink, args=(k, ready, stop, sink_results))
            for k in ("smtp", "sms")
        ]
        for sink in sinks:
            sink.start()
        settings: dict[str, Any] = {"BOOKING_DISPATCH_INTERVAL_SECONDS": 1}
        for _ in sinks:
            settings.update(ready.get(timeout=30))
        servers = [Gunicorn(url, f"mixed-{i}") for i in range(2)]
        worker: subprocess.Popen[bytes] | None = None
        memory: dict[str, dict[int, int]] = {"web-0": {}, "web-1": {}, "worker": {}}
        try:
            for server in servers:
                server.start()
            env = dict(
                os.environ,
                BENCH_DATABASE_URL=url,
                BENCH_WORKER_SETTINGS=json.dumps(settings),
            )
            with open(DATA_DIR / "mixed-worker.log", "wb") as log_file:
                worker = subprocess.Popen(
                    [str(FLASK), "--app", "bench.mixed_load:worker_app()", "worker"],
                    cwd=ROOT,
                    env=env,
                    stdout=log_file,
                    stderr=subprocess.STDOUT,
                )
            spec = {
                "ports": [s.port for s in servers],
                "users": users,
                "duration": duration,
                "seed": 7,
                "now": NOW.isoformat(),
            }
            spec_path = DATA_DIR / "mixed-spec.json"
            spec_path.write_text(json.dumps(spec), encoding="utf-8")
            users_process = subprocess.Popen(
                [sys.executable, "-m", "bench.mixed_load", "--users-only", str(spec_path)],
                cwd=ROOT,
                stdout=subprocess.PIPE,
            )
            while users_process.poll() is None:
                for i, server in enumerate(servers):
                    assert server.process is not None
                    _memory_kb([server.process.pid, *server.worker_pids()], memory[f"web-{i}"])
                _memory_kb([worker.pid], memory["worker"])
                time.sleep(1)
            out, _ = users_process.communicate()
            if users_process.returncode != 0:
                raise RuntimeError("the users' process failed")
            load = json.loads(out)
            drain_began = time.perf_counter()
            while _due_left(url) and time.perf_counter() - drain_began < DRAIN_SECONDS:
                _memory_kb([worker.pid], memory["worker"])
                time.sleep(0.5)
            drained_s = time.perf_counter() - drain_began
            worker.send_signal(signal.SIGTERM)
            worker_exit = worker.wait(timeout=60)
            stop.set()
            received = {
                r["kind"]: r["received"] for r in (sink_results.get(timeout=60) for _ in sinks)
            }
        finally:
            stop.set()
            if worker is not None and worker.poll() is None:
                worker.kill()
            for server in servers:
                server.stop()
            for sink in sinks:
                sink.join(timeout=30)
                if sink.is_alive():
                    sink.kill()
        confirmed = _count(url, "SELECT count(*) FROM bookings WHERE status = 'confirmed'")
        engine = create_engine(url, poolclass=NullPool)
        with engine.connect() as connection:
            doubles = int(connection.execute(DOUBLE_BOOKINGS_SQL).scalar_one())
        engine.dispose()
        outbox = _status_counts(url)
        due_left = _due_left(url)
    granted = load["endpoints"].get("POST /api/v1/bookings", {}).get("statuses", {}).get("201", 0)
    mail, sms = Counter(received["smtp"]), Counter(received["sms"])
    return {
        "duration": duration,
        "users": users,
        "load": load,
        "granted": granted,
        "new_confirmed": confirmed - seeded,
        "double_bookings": doubles,
        "outbox": outbox,
        "due_left": due_left,
        "drained_s": drained_s,
        "worker_exit": worker_exit,
        "email": {
            "sent": outbox.get("email:sent", 0),
            "received": sum(mail.values()),
            "doubled": sum(n - 1 for n in mail.values()),
        },
        "sms": {
            "sent": outbox.get("sms:sent", 0),
            "received": sum(sms.values()),
            "doubled": sum(n - 1 for n in sms.values()),
        },
        "memory_mb": {
            name: [round(kb / 1024, 1) for _, kb in sorted(pids.items())]
            for name, pids in memory.items()
        },
        "load_before": load_before,
        "cpus": os.cpu_count(),
        "postgres": postgres_server_version(),
        "python": platform.python_version(),
        "at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def verdicts(result: dict[str, Any]) -> dict[str, bool]:
    """The run's correctness checks, by name."""
    endpoints = result["load"]["endpoints"].values()
    five_xx = sum(n for e in endpoints for s, n in e["statuses"].items() if s.startswith("5"))
    return {
        "zero 5xx": five_xx == 0 and not result["load"]["errors"],
        "zero double bookings": result["double_bookings"] == 0,
        "every 201 stored": result["granted"] == result["new_confirmed"],
        "nothing left due": result["due_left"] == 0,
        "e-mail exactly once": result["email"]["received"] == result["email"]["sent"]
        and result["email"]["doubled"] == 0,
        "SMS exactly once": result["sms"]["received"] == result["sms"]["sent"]
        and result["sms"]["doubled"] == 0,
        "worker exited 0 on SIGTERM": result["worker_exit"] == 0,
    }


def write_results(result: dict[str, Any]) -> None:
    """Replace the Mixed load section at the end of bench/RESULTS.md."""
    load = result["load"]
    lines = [
        MARK,
        "",
        f"`python -m bench.mixed_load` ({result['at']}): {result['users']} users for "
        f"{result['duration']} s against two gunicorn instances (2 sync workers each) on one "
        f"PostgreSQL {result['postgres']} database seeded with the municipality dataset, one "
        f"`flask worker` dispatching to SMTP and SMS sinks on loopback; Python "
        f"{result['python']}, {result['cpus']} CPUs shared by everything (load generator, "
        f"servers, worker, sinks, database). Load average before the run: "
        + ", ".join(f"{x:.2f}" for x in result["load_before"])
        + (" (the machine was busy)." if result["load_before"][0] > 0.5 else "."),
        "",
        "Each user waits 0-1 s after every response, so 200 users offer more requests than "
        "two CPUs serve: the servers run saturated, and the latencies below are mostly time "
        "spent queued for one of the four gunicorn workers, not time spent working.",
        "",
        "| endpoint | requests | per second | p50 ms | p95 ms | p99 ms | statuses |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for name, e in sorted(load["endpoints"].items()):
        statuses = ", ".join(f"{s}: {n}" for s, n in sorted(e["statuses"].items()))
        lines.append(
            f"| {name} | {e['requests']} | {e['per_second']:.1f} | {e['p50_ms']:.1f} | "
            f"{e['p95_ms']:.1f} | {e['p99_ms']:.1f} | {statuses} |"
        )
    checks = verdicts(result)
    lines += [
        "",
        f"Transport errors: {load['errors'] or 'none'}. Bookings granted: {result['granted']} "
        f"(stored: {result['new_confirmed']}); 409s are slots another user took first. "
        f"Outbox drained {result['drained_s']:.1f} s after the load; e-mail sent "
        f"{result['email']['sent']}, received {result['email']['received']} "
        f"(doubled {result['email']['doubled']}); SMS sent {result['sms']['sent']}, received "
        f"{result['sms']['received']} (doubled {result['sms']['doubled']}). Outbox by status: "
        + ", ".join(f"{k} {v}" for k, v in sorted(result["outbox"].items()))
        + ".",
        "",
        "Peak memory (VmHWM, MB): "
        + "; ".join(
            f"{name}: {', '.join(map(str, mbs))}" for name, mbs in result["memory_mb"].items()
        )
        + " (web: master first, then its workers).",
        "",
        "Checks: " + ", ".join(f"{name} {'✔' if ok else '✘'}" for name, ok in checks.items()) + ".",
        "",
    ]
    previous = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
    kept = previous.split(MARK)[0].rstrip("\n")
    RESULTS.write_text(kept + "\n\n" + "\n".join(lines), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Run the mixed benchmark (or, with --users-only SPEC, only the users)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--users-only", metavar="SPEC")
    args = parser.parse_args(argv)
    if args.users_only:
        spec = json.loads(Path(args.users_only).read_text(encoding="utf-8"))
        json.dump(asyncio.run(_users(spec)), sys.stdout)
        return 0
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    result = run(args.duration, args.users)
    (DATA_DIR / "mixed-result.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    write_results(result)
    checks = verdicts(result)
    for name, ok in checks.items():
        print(f"{'ok ' if ok else 'FAIL'} {name}")
    print(RESULTS.read_text(encoding="utf-8").split(MARK)[1])
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
