"""A small HTTP/1.1 load generator: N concurrent keep-alive clients on loopback, pure asyncio.

Run as its own process (`python -m bench.load SPEC.json`) so that it does not share a GIL with
the orchestrator. The spec names the port, the duration, the number of clients and what to
send: one GET, or POST bodies picked at random (contention) or each used once (distinct).
It prints one JSON document: status counts, transport errors, latency percentiles, and the
requests completed per second.

Gunicorn's sync workers answer `Connection: close`; the client then reconnects, and that
connect is part of the measured latency (as it is for a real client of such a server).
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
from dataclasses import dataclass, field
from typing import Any

HOST = "127.0.0.1"


@dataclass
class Tally:
    statuses: dict[int, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    done_at: list[float] = field(default_factory=list)
    samples_5xx: list[str] = field(default_factory=list)


def _request_bytes(method: str, path: str, port: int, body: bytes | None) -> bytes:
    head = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{port}", "Connection: keep-alive"]
    if body is not None:
        head += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(head) + "\r\n\r\n").encode("ascii") + (body or b"")


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = 0
    close = lines[0].startswith("HTTP/1.0")
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "connection":
            close = value.strip().lower() == "close"
        elif name == "transfer-encoding":
            raise ValueError("chunked responses are not supported by this load generator")
    body = await reader.readexactly(length) if length else b""
    return status, close, body


async def _client(
    spec: dict[str, Any],
    requests: list[bytes],
    pick: str,
    rng: random.Random,
    tally: Tally,
    deadline: float,
    origin: float,
) -> None:
    port = spec["port"]
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None
    while time.perf_counter() < deadline:
        if pick == "pop":
            if not requests:
                break
            payload = requests.pop()
        else:
            payload = requests[rng.randrange(len(requests))]
        began = time.perf_counter()
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(HOST, port)
            assert reader is not None
            writer.write(payload)
            status, close, body = await _read_response(reader)
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            name = type(exc).__name__
            tally.errors[name] = tally.errors.get(name, 0) + 1
            if writer is not None:
                writer.close()
            reader = writer = None
            continue
        finished = time.perf_counter()
        tally.statuses[status] = tally.statuses.get(status, 0) + 1
        tally.latencies.append(finished - began)
        tally.done_at.append(finished - origin)
        if status >= 500 and len(tally.samples_5xx) < 5:
            tally.samples_5xx.append(body[:300].decode("utf-8", "replace"))
        if close:
            assert writer is not None
            writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


def _percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[index]


async def run(spec: dict[str, Any]) -> dict[str, Any]:
    """Run the load described by `spec` and return the tally as plain data."""
    port = spec["port"]
    method = spec.get("method", "GET")
    if method == "GET":
        requests = [_request_bytes("GET", spec["path"], port, None)]
    else:
        requests = [
            _request_bytes(method, spec["path"], port, json.dumps(body).encode("utf-8"))
            for body in spec["bodies"]
        ]
    pick = spec.get("pick", "random")
    if pick == "pop":
        requests.reverse()  # pop() from the end takes them in the given order
    tally = Tally()
    origin = time.perf_counter()
    deadline = origin + spec["duration"]
    clients = [
        _client(
            spec, requests, pick, random.Random(spec.get("seed", 0) + n), tally, deadline, origin
        )
        for n in range(spec["clients"])
    ]
    timed_out = False
    try:
        await asyncio.wait_for(asyncio.gather(*clients), spec["duration"] + 30)
    except TimeoutError:
        timed_out = True
    elapsed = time.perf_counter() - origin
    completed = len(tally.latencies)
    seconds = int(elapsed) + 1
    per_second = [0] * seconds
    for at in tally.done_at:
        per_second[min(int(at), seconds - 1)] += 1
    return {
        "elapsed_s": elapsed,
        "completed": completed,
        "throughput_rps": completed / elapsed if elapsed > 0 else 0.0,
        "statuses": {str(code): n for code, n in sorted(tally.statuses.items())},
        "errors": tally.errors,
        "timed_out": timed_out,
        "latency_ms": {
            "p50": _percentile(tally.latencies, 0.50) * 1000,
            "p95": _percentile(tally.latencies, 0.95) * 1000,
            "p99": _percentile(tally.latencies, 0.99) * 1000,
            "max": max(tally.latencies, default=float("nan")) * 1000,
        },
        "per_second": per_second,
        "samples_5xx": tally.samples_5xx,
        "unused_bodies": len(requests) if pick == "pop" else None,
    }


def main(argv: list[str]) -> int:
    """`python -m bench.load SPEC.json`: print the result as JSON on stdout."""
    with open(argv[1], encoding="utf-8") as handle:
        spec = json.load(handle)
    result = asyncio.run(run(spec))
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
