"""What a simulation run is asked to do, and the time model that turns a rate into a clock.

Time model (documented contract, see README of ``kotacerdas simulate --help``):

* ``--rate`` is messages per second of **wall** time for the whole run (all processes).
* The fleet's natural rate is R0 = Σ 1/interval_s over the chosen sensors (≈ 4 msg/s for the
  four pilot cities at scale 1). To reach ``--rate`` the simulated clock runs ``speed`` times
  faster than the wall clock: each sensor's clock advances by its interval per message.
* Simulated time starts at ``--start`` (default: now minus the simulated span, so the run ends
  about "now" and no timestamp is ever in the future, except the ``clock_skew`` fault's).
* The simulated span (speed × duration) is capped at ``max_span_s`` (6 days) so every event
  time stays inside ingest's 7-day maximum age. When the cap binds, sensors report more often
  than their nominal interval instead (effective interval = nominal × compression), exactly as
  a device in a high-frequency mode would; traffic counts still cover the nominal interval
  (a rolling count), so ``interval_s`` in payloads is always the registry's.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Final

from kotacerdas.errors import UserFacingError

FAULTS: Final = (
    "duplicate",
    "out_of_order",
    "late",
    "malformed",
    "stuck",
    "dropout",
    "clock_skew",
)
# Payload formats a message may be sent in. "ngsi" spreads over the four NGSI variants.
FORMATS: Final = ("native", "senml", "ngsi", "ngsi-ld", "ngsi-v2")
SCENARIOS: Final = ("haze", "rush_gridlock", "missed_collection", "bin_fire", "silent_sensor")

_DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_UNIT_S = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, None: 1.0}


def parse_duration(text: str) -> float:
    """``"10m"`` → 600.0 seconds; plain numbers are seconds."""
    match = _DURATION_RE.match(text)
    if not match or float(match.group(1)) <= 0:
        raise UserFacingError(
            f"--duration {text!r} is not a positive duration like 90, 90s, 10m, 2h or 1d"
        )
    return float(match.group(1)) * _UNIT_S[match.group(2)]


def parse_mix(text: str, allowed: Sequence[str], flag: str, upper: float = 1.0) -> dict[str, float]:
    """``"duplicate=0.01,late=0.02"`` → {"duplicate": 0.01, "late": 0.02}; names the bad token."""
    mix: dict[str, float] = {}
    for token in filter(None, (t.strip() for t in text.split(","))):
        name, sep, value = token.partition("=")
        name = name.strip()
        if not sep or name not in allowed:
            raise UserFacingError(
                f"{flag}: bad token {token!r}; expected NAME=FRACTION with NAME one of "
                f"{', '.join(allowed)}"
            )
        try:
            number = float(value)
        except ValueError:
            raise UserFacingError(
                f"{flag}: bad token {token!r}: {value!r} is not a number"
            ) from None
        if not 0.0 <= number <= upper or math.isnan(number):
            raise UserFacingError(f"{flag}: bad token {token!r}: value must be in 0..{upper:g}")
        if name in mix:
            raise UserFacingError(f"{flag}: {name!r} is given twice")
        mix[name] = number
    return mix


def parse_faults(text: str) -> dict[str, float]:
    faults = parse_mix(text, FAULTS, "--faults")
    if sum(faults.values()) > 0.5:
        raise UserFacingError("--faults: the fault fractions add up to more than 0.5")
    return faults


def parse_formats(text: str) -> dict[str, float]:
    formats = parse_mix(text, FORMATS, "--formats", upper=math.inf)  # weights, normalised
    total = sum(formats.values())
    if total <= 0:
        raise UserFacingError("--formats: at least one format needs a positive share")
    return {name: share / total for name, share in formats.items() if share > 0}


def parse_scenarios(names: Sequence[str]) -> tuple[str, ...]:
    for name in names:
        if name not in SCENARIOS:
            raise UserFacingError(
                f"--scenario {name!r} is unknown; choose from {', '.join(SCENARIOS)}"
            )
    return tuple(dict.fromkeys(names))


@dataclass(frozen=True, slots=True)
class SimulationConfig:
    """One run. Build it from flags (``simulators.cli``) or directly in tests/benchmarks."""

    cities: tuple[str, ...]
    rate: float
    duration_s: float
    seed: int = 7
    faults: Mapping[str, float] = field(default_factory=dict)
    formats: Mapping[str, float] = field(default_factory=lambda: {"native": 1.0})
    scenarios: tuple[str, ...] = ()
    start: datetime | None = None  # simulated start (aware); None: now − simulated span
    scale: float = 1.0
    registry_dir: Path | None = None
    truth_path: Path | None = None
    processes: int = 1
    inflight_per_client: int = 32
    max_span_s: float = 6 * 86_400
    mqtt_host: str = "127.0.0.1"
    mqtt_port: int = 21883
    mqtt_protocol: int = 5
    fleet_secret: str = ""
    connect_timeout_s: float = 30.0
    drain_timeout_s: float = 30.0
    status_interval_s: float = 0.5
    quiet: bool = False
    # As fast as the broker takes it, until ``duration_s`` of wall time has passed; ``rate``
    # then only sizes the plan (``planner.max_plan_rate``), the run never reaches its end.
    max_rate: bool = False


@dataclass(frozen=True, slots=True)
class TimeModel:
    """How simulated time relates to wall time for one run (see the module docstring)."""

    speed: float  # simulated seconds per wall second
    compression: float  # effective interval = nominal interval × compression (≤ 1)
    span_s: float  # simulated seconds covered by the run

    @staticmethod
    def solve(nominal_rate: float, rate: float, duration_s: float, max_span_s: float) -> TimeModel:
        """The slowest clock that reaches ``rate`` within ``max_span_s`` of simulated time."""
        if nominal_rate <= 0:
            raise UserFacingError("no sensors selected: check --cities and the registry")
        speed = rate / nominal_rate
        span = speed * duration_s
        if span <= max_span_s:
            return TimeModel(speed, 1.0, span)
        compression = max_span_s / span
        return TimeModel(max_span_s / duration_s, compression, max_span_s)
