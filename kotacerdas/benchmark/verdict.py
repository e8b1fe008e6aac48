"""Whether a pipeline run has figures worth reporting (pure).

A report of zeros ("0 messages sent", every rate 0/s) reads like a measurement and is
none: it is what a run leaves when the simulator was stopped before it wrote its truth,
when a stage died, or when nothing was sent. Such a run fails with the reasons instead
(``RunFailed``, exit status 1), and the report is not written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kotacerdas.errors import UserFacingError


class RunFailed(UserFacingError):
    """The run could not produce its figures; the message says why (one reason per clause)."""

    exit_code = 1

    def __init__(self, reasons: Sequence[str]) -> None:
        super().__init__("the run has no figures to report: " + "; ".join(reasons))
        self.reasons = tuple(reasons)


@dataclass(frozen=True)
class RunFacts:
    """What a run left behind, gathered after the simulator ended (and after the drain)."""

    truth_found: bool  # the simulator's truth file (what it sent, and when) exists
    summary_found: bool  # ... and ends with its summary line: the simulator finished it
    simulator_exit: int | None  # None: still running (the run stopped early)
    sent: int  # messages in the truth file
    valid: int  # of which the pipeline must store
    dead: tuple[str, ...] = ()  # stages that exited before the end, with a line of their log
    stored: float | None = None  # rows the aggregator stored (None: no drain yet)
    drain_timeout_s: float | None = None  # set when the drain gave up waiting


def problems(facts: RunFacts) -> list[str]:
    """Why the figures of this run would be wrong or empty; [] when they are good."""
    found = [f"{stage} stopped during the run" for stage in facts.dead]
    if facts.simulator_exit is None:  # what it has sent so far is beside the point
        return found or ["the simulator did not end"]
    if facts.simulator_exit != 0:
        found.append(f"the simulator exited with status {facts.simulator_exit}")
    if not facts.truth_found:
        found.append("the simulator's truth file is missing (stopped before it wrote it?)")
    elif not facts.summary_found:
        found.append("the simulator's truth file has no summary line (it did not finish)")
    if facts.truth_found and facts.sent == 0:
        found.append("0 messages sent")
    elif facts.truth_found and facts.valid == 0:
        found.append(f"none of the {facts.sent:,} messages sent was a valid reading")
    if facts.drain_timeout_s is not None:
        stored = facts.stored or 0
        found.append(
            f"{stored:,.0f} of {facts.valid:,} valid readings stored "
            f"{facts.drain_timeout_s:.0f} s after the simulator ended"
        )
    return found
