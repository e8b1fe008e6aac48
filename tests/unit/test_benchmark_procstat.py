"""CPU accounting of process trees from /proc (parsing and arithmetic, no processes)."""

from __future__ import annotations

import os

from kotacerdas.benchmark import procstat
from kotacerdas.benchmark.procstat import ProcStat, cpu_delta, descendants, parse_stat, tree_ticks

# pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
# utime stime cutime cstime ...
STAT = "4242 (python3 -m (x) y) S 1 4242 4242 0 -1 4194560 900 0 0 0 150 50 30 20 20 0 4 0 99"


def test_parse_stat_survives_spaces_and_parentheses_in_the_command():
    assert parse_stat(STAT) == ProcStat(4242, 1, 150 + 50 + 30 + 20)


def test_rss_is_read_from_status():
    status = "Name:\tpostgres\nVmHWM:\t  20480 kB\nVmRSS:\t  10240 kB\n"
    assert procstat.parse_rss_kib(status) == (10240, 20480)
    assert procstat.parse_rss_kib("Name:\tkthreadd\n") == (0, 0)


def test_a_tree_is_the_root_and_everything_below_it():
    table = {
        1: ProcStat(1, 0, 5),
        10: ProcStat(10, 1, 100),  # postmaster
        11: ProcStat(11, 10, 7),  # backend
        12: ProcStat(12, 11, 3),  # its child
        20: ProcStat(20, 1, 50),  # someone else
    }
    assert descendants(10, table) == {10, 11, 12}
    assert tree_ticks(10, table) == 110
    assert descendants(99, table) == set()


def test_cpu_of_a_backend_that_exited_is_kept_through_its_parents_cutime():
    # before: postmaster 100 ticks, backend 40; after: the backend (60 in all) exited and
    # was reaped, so the postmaster's cutime grew by 60 and it spent 5 more itself.
    before = {10: ProcStat(10, 1, 100), 11: ProcStat(11, 10, 40)}
    after = {10: ProcStat(10, 1, 165)}
    assert tree_ticks(10, after) - tree_ticks(10, before) == 25  # 20 backend + 5 postmaster


def test_cpu_delta_never_goes_negative_and_names_every_component():
    assert cpu_delta({"a": 2.0, "b": 5.0}, {"a": 3.5, "b": 4.0, "c": 1.0}) == {
        "a": 1.5,
        "b": 0.0,
        "c": 1.0,
    }


def test_this_process_is_measured():
    me = os.getpid()
    cpu = procstat.cpu_seconds({"me": me, "none": None})
    assert cpu["none"] == 0.0 and cpu["me"] >= 0.0
    assert procstat.rss_mib({"me": me})["me"] > 1.0
