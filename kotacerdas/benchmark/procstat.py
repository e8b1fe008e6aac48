"""CPU time and memory of process trees, read from ``/proc`` (Linux).

A component is a root PID and all its descendants (PostgreSQL's postmaster and its
backends, a simulator and its worker processes). Its CPU time is
Σ (utime + stime + cutime + cstime) over the live processes of the tree: a process that
exited and was reaped by a member of the tree has its whole life in the parent's
cutime/cstime, so the difference of two totals is exactly the CPU spent between them
(a short-lived backend included). Parsing is pure; ``snapshot`` does the reading.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

TICKS_PER_S = os.sysconf("SC_CLK_TCK")
PROC = Path("/proc")


@dataclass(frozen=True, slots=True)
class ProcStat:
    pid: int
    ppid: int
    ticks: int  # utime + stime + cutime + cstime


def parse_stat(text: str) -> ProcStat:
    """One ``/proc/<pid>/stat`` line (the command may contain spaces and parentheses)."""
    head, _, rest = text.rpartition(")")
    pid = int(head.split("(", 1)[0])
    fields = rest.split()
    # fields[0] is field 3 (state): ppid is field 4, utime..cstime are fields 14..17.
    ppid = int(fields[1])
    utime, stime, cutime, cstime = (int(f) for f in fields[11:15])
    return ProcStat(pid, ppid, utime + stime + cutime + cstime)


def parse_rss_kib(status: str) -> tuple[int, int]:
    """(VmRSS, VmHWM) in KiB from ``/proc/<pid>/status`` (0 for a kernel thread)."""
    found = {"VmRSS": 0, "VmHWM": 0}
    for line in status.splitlines():
        key, _, value = line.partition(":")
        if key in found:
            found[key] = int(value.split()[0])
    return found["VmRSS"], found["VmHWM"]


def descendants(root: int, table: Mapping[int, ProcStat]) -> set[int]:
    """``root`` and every process below it in ``table`` (pid → stat)."""
    children: dict[int, list[int]] = {}
    for stat in table.values():
        children.setdefault(stat.ppid, []).append(stat.pid)
    found, todo = set(), [root]
    while todo:
        pid = todo.pop()
        if pid in found or pid not in table:
            continue
        found.add(pid)
        todo.extend(children.get(pid, ()))
    return found


def tree_ticks(root: int, table: Mapping[int, ProcStat]) -> int:
    return sum(table[p].ticks for p in descendants(root, table))


def read_table() -> dict[int, ProcStat]:
    table: dict[int, ProcStat] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            table[int(entry.name)] = parse_stat((entry / "stat").read_text())
        except (OSError, ValueError, IndexError):
            continue  # exited while we looked
    return table


def cpu_seconds(roots: Mapping[str, int | None]) -> dict[str, float]:
    """CPU seconds so far of each named tree (0 for a component that is not running)."""
    table = read_table()
    return {
        name: (tree_ticks(pid, table) / TICKS_PER_S if pid else 0.0) for name, pid in roots.items()
    }


def cpu_delta(before: Mapping[str, float], after: Mapping[str, float]) -> dict[str, float]:
    """CPU seconds spent between two ``cpu_seconds`` readings, per component."""
    return {name: max(0.0, after[name] - before.get(name, 0.0)) for name in after}


def rss_mib(roots: Mapping[str, int | None]) -> dict[str, float]:
    """Resident memory of each named tree now, in MiB (summed over its processes)."""
    table = read_table()
    out: dict[str, float] = {}
    for name, pid in roots.items():
        out[name] = _tree_rss(descendants(pid, table)) if pid else 0.0
    return out


def _tree_rss(pids: Iterable[int]) -> float:
    total = 0
    for pid in pids:
        try:
            total += parse_rss_kib((PROC / str(pid) / "status").read_text())[0]
        except (OSError, ValueError):
            continue
    return total / 1024
