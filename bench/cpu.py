"""Who used the machine's CPUs during a measurement: us, gunicorn, PostgreSQL, or someone else.

On a small shared machine a timing means little without knowing whether other processes were
busy at the same time. A snapshot reads /proc/stat (the whole machine), /proc/<pid>/stat of
every process, and this process's own and waited-for children's CPU time; the difference of two
snapshots splits the busy CPU-seconds into categories. "other" is what is left: processes that
are none of ours, including ones that started and ended in between.
"""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Iterable
from dataclasses import dataclass

_TICK = os.sysconf("SC_CLK_TCK")


def _machine_seconds() -> tuple[float, float, float]:
    """(process time: user + nice + system, interrupt time: irq + softirq, steal), machine-wide.

    Interrupt time (loopback networking is mostly softirq) and the hypervisor's steal are not
    charged to any process, so they are kept apart from "other processes".
    """
    with open("/proc/stat", encoding="ascii") as handle:
        fields = handle.readline().split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in fields[:8])
    return (user + nice + system) / _TICK, (irq + softirq) / _TICK, steal / _TICK


def _processes() -> dict[int, tuple[str, float]]:
    """pid → (command name, CPU seconds used so far)."""
    result: dict[int, tuple[str, float]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                stat = handle.read()
        except OSError:
            continue
        name = stat[stat.find("(") + 1 : stat.rfind(")")]
        fields = stat[stat.rfind(")") + 2 :].split()
        result[int(entry)] = (name, (int(fields[11]) + int(fields[12])) / _TICK)
    return result


@dataclass(frozen=True)
class Snapshot:
    at: float
    machine: tuple[float, float, float]
    processes: dict[int, tuple[str, float]]
    own: float
    children: float


def snapshot() -> Snapshot:
    """The CPU counters now."""
    own = os.times()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return Snapshot(
        at=time.monotonic(),
        machine=_machine_seconds(),
        processes=_processes(),
        own=own.user + own.system,
        children=children.ru_utime + children.ru_stime,
    )


def split(
    before: Snapshot, after: Snapshot, *, server_pids: Iterable[int] = ()
) -> dict[str, float]:
    """CPU-seconds between two snapshots: this process, waited children (the load generator),
    the given server processes, PostgreSQL backends, and everything else; plus what was there.
    """
    servers = set(server_pids)

    def used(pid: int) -> float:
        end = after.processes.get(pid)
        start = before.processes.get(pid)
        if end is None:
            return 0.0
        return max(0.0, end[1] - (start[1] if start is not None and start[0] == end[0] else 0.0))

    server = sum(used(pid) for pid in servers)
    postgres = sum(
        used(pid)
        for pid, (name, _) in after.processes.items()
        if name.startswith("postgres") and pid not in servers
    )
    own = after.own - before.own
    children = after.children - before.children
    total, interrupts, steal = (a - b for a, b in zip(after.machine, before.machine, strict=True))
    elapsed = after.at - before.at
    return {
        "elapsed_s": elapsed,
        "available_cpu_s": elapsed * (os.cpu_count() or 1),
        "busy_cpu_s": total + interrupts + steal,
        "interrupt_cpu_s": interrupts,
        "steal_cpu_s": steal,
        "bench_cpu_s": own,
        "load_generator_cpu_s": children,
        "server_cpu_s": server,
        "postgres_cpu_s": postgres,
        "other_cpu_s": max(0.0, total - own - children - server - postgres),
    }


def describe(cpu: dict[str, float], *, server_label: str = "gunicorn workers") -> str:
    """One line for the report."""
    parts = [
        f"{server_label} {cpu['server_cpu_s']:.1f}" if cpu["server_cpu_s"] else "",
        f"load generator {cpu['load_generator_cpu_s']:.1f}" if cpu["load_generator_cpu_s"] else "",
        f"bench process {cpu['bench_cpu_s']:.1f}" if cpu["bench_cpu_s"] >= 0.05 else "",
        f"PostgreSQL server {cpu['postgres_cpu_s']:.1f}" if cpu["postgres_cpu_s"] >= 0.05 else "",
        f"interrupts {cpu['interrupt_cpu_s']:.1f}" if cpu["interrupt_cpu_s"] >= 0.05 else "",
        f"steal {cpu['steal_cpu_s']:.1f}" if cpu["steal_cpu_s"] >= 0.05 else "",
        f"other processes {cpu['other_cpu_s']:.1f}",
    ]
    if cpu["other_cpu_s"] >= max(0.1, 0.1 * cpu["available_cpu_s"]):
        parts[-1] = f"**{parts[-1]}**"
    return ", ".join(p for p in parts if p) + f" of {cpu['available_cpu_s']:.1f} CPU-s available"
