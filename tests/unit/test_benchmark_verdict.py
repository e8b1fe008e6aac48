"""A run without figures is an error with its reasons, never a report of zeros."""

from __future__ import annotations

from dataclasses import replace

import pytest

from kotacerdas.benchmark.verdict import RunFacts, RunFailed, problems

GOOD = RunFacts(truth_found=True, summary_found=True, simulator_exit=0, sent=300_000, valid=300_000)


def test_a_complete_run_has_no_problems():
    assert problems(GOOD) == []
    assert problems(replace(GOOD, stored=300_000)) == []


@pytest.mark.parametrize(
    ("facts", "reason"),
    [
        (
            replace(GOOD, truth_found=False, summary_found=False, sent=0, valid=0),
            "truth file is missing",
        ),
        (replace(GOOD, summary_found=False), "has no summary line"),
        (replace(GOOD, sent=0, valid=0), "0 messages sent"),
        (replace(GOOD, valid=0), "none of the 300,000 messages sent was a valid reading"),
        (replace(GOOD, simulator_exit=130), "the simulator exited with status 130"),
        (
            replace(GOOD, dead=("aggregate-1a2b3c-0 (exit 1: boom)",)),
            "aggregate-1a2b3c-0 (exit 1: boom) stopped during the run",
        ),
        (
            replace(GOOD, stored=120_000, drain_timeout_s=180),
            "120,000 of 300,000 valid readings stored 180 s after the simulator ended",
        ),
    ],
)
def test_each_way_of_losing_the_figures_is_named(facts, reason):
    found = problems(facts)
    assert any(reason in line for line in found), found


def test_a_stage_that_died_while_the_simulator_still_ran_is_the_reason_given():
    facts = RunFacts(
        truth_found=False,
        summary_found=False,
        simulator_exit=None,
        sent=0,
        valid=0,
        dead=("ingest-1a2b3c-0 (exit 1: kafka gone)",),
    )
    assert problems(facts) == ["ingest-1a2b3c-0 (exit 1: kafka gone) stopped during the run"]


def test_the_error_exits_1_with_every_reason_on_one_line():
    error = RunFailed(["0 messages sent", "logs in /tmp/x"])
    assert error.exit_code == 1
    assert str(error) == "the run has no figures to report: 0 messages sent; logs in /tmp/x"
