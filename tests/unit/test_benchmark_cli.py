"""`kotacerdas bench` flags: checked before anything starts, one line per mistake."""

from __future__ import annotations

import pytest

from kotacerdas.bench_cli import options
from kotacerdas.benchmark.soak import ACTIONS, fault_schedule
from kotacerdas.cli import build_parser, main


def parse(*argv: str):
    return options(build_parser().parse_args(["bench", *argv]))


def test_defaults_are_the_pipeline_benchmark_at_a_fixed_rate():
    opts = parse()
    assert opts["mode"] == "pipeline" and opts["rate"] == 3000.0 and opts["duration_s"] == 60
    assert str(opts["report"]) == "bench/results/pipeline"


def test_max_soak_and_scaling_modes():
    assert parse("--max")["rate"] is None
    soak = parse("--soak", "10m")
    assert soak["mode"] == "soak" and soak["soak_s"] == 600 and soak["rate"] == 1500.0
    scaling = parse("--scaling", "--sensors", "1000,10000")
    assert scaling["duration_s"] == 25 and scaling["sensors"] == [1000, 10000]
    assert str(parse("--report", "x/run1.md")["report"]) == "x/run1"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--rate", "fast"], "--rate 'fast' is not a number"),
        (["--rate", "-5"], "--rate must be > 0"),
        (["--max", "--rate", "10"], "--rate and --max exclude each other"),
        (["--soak", "5x"], "--soak '5x'"),
        (["--soak", "10s"], "at least 30s"),
        (["--soak", "1m", "--scaling"], "choose one"),
        (["--sensors", "1k"], "--sensors '1k' is not a whole number"),
    ],
)
def test_a_bad_flag_is_one_line_and_exit_2(argv, message, capsys):
    assert main(["bench", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


def test_fault_schedule_has_every_fault_once_per_cycle_inside_the_run():
    short = fault_schedule(75)
    assert sorted(e.action for e in short) == sorted(ACTIONS)
    assert 0 < short[0].at_s < short[-1].at_s < 75 * 0.8
    long = fault_schedule(600)
    assert len(long) == 4 * len(ACTIONS)
    assert [e.at_s for e in long] == sorted(e.at_s for e in long)
