"""kotacerdas policy numbers: thresholds and weights no standard fixes for us.

Every number here is **ours** (status ``ours``), chosen for the four pilot cities and
justified beside it. Change them here, nowhere else; the tests pin their meaning, not
their values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from cityscore.tables.source import Source

POLICY_SOURCE: Final = Source(
    title="kotacerdas policy (DESIGN.md 'Indicators' and programme goals)",
    urls=("/work/shared/DESIGN.md",),
    status="ours",
)

# --- waste ---------------------------------------------------------------------------
#: Fill level (%) treated as full; sensors report 0–100 % of usable volume.
FULL_PERCENT: Final[float] = 100.0
#: A bin at or above this fill level (%) counts as overflowing: ultrasonic fill sensors
#: cannot see above the rim, so ~90 % is where litter starts to spill in practice.
OVERFLOW_THRESHOLD_PERCENT: Final[float] = 90.0
#: A bin at or above this fill level (%) needs a collection round (service trigger).
SERVICE_THRESHOLD_PERCENT: Final[float] = 80.0
#: A bin that needs service should be emptied within this many hours (daily rounds).
SERVICE_WINDOW_HOURS: Final[float] = 24.0
#: A drop of at least this many percentage points between samples, confirmed by the
#: neighbouring samples, is an emptying (collection reset). Sensor noise is a few
#: points; a collection is tens.
RESET_DROP_PERCENT_POINTS: Final[float] = 30.0
#: Samples on each side whose medians must confirm a reset: one glitch cannot fake one.
RESET_CONFIRM_SAMPLES: Final[int] = 2
#: Fewer samples since the last reset than this give no time-to-full estimate.
MIN_FILL_SAMPLES: Final[int] = 3
#: Only the newest samples are used: bounds the O(n²) Theil–Sen pair count (96 → 4 560).
MAX_FILL_SAMPLES: Final[int] = 96
#: Predictions beyond a year (hours) are no prediction: the fit is flat noise, and a
#: timedelta of the raw quotient can even overflow.
MAX_TIME_TO_FULL_HOURS: Final[float] = 24.0 * 365
#: Slopes at or below this (% per hour) mean "not filling": no time-to-full.
MIN_FILL_RATE_PERCENT_PER_HOUR: Final[float] = 0.0

# --- safety --------------------------------------------------------------------------
#: Bin temperature (°C) that signals smouldering waste. Ours: household waste does not
#: reach 60 °C under tropical sun alone, composting/smouldering does.
BIN_FIRE_TEMPERATURE_C: Final[float] = 60.0
#: A rise above the bin's own baseline (°C) that signals fire even below 60 °C.
BIN_FIRE_JUMP_C: Final[float] = 20.0
#: LOS F must last at least this long (minutes) to count as gridlock.
GRIDLOCK_MIN_MINUTES: Final[float] = 15.0
#: The LOS that counts towards gridlock.
GRIDLOCK_LEVEL: Final[str] = "F"

# --- composite normalisation -----------------------------------------------------------
#: Congestion level (%) at which the mobility score reaches 0: travel time doubled.
CONGESTION_ZERO_SCORE_PERCENT: Final[float] = 100.0
#: dB above the zone limit at which the noise score reaches 0: +10 dB is ten times the
#: sound energy and is heard as about twice as loud.
NOISE_ZERO_SCORE_EXCESS_DB: Final[float] = 10.0
#: Top of a 0–100 score.
SCORE_MAX: Final[float] = 100.0


@dataclass(frozen=True, slots=True)
class ComponentSpec:
    """A composite component: its weight and why it belongs (ISO theme, programme goal)."""

    name: str
    weight: float
    theme: str
    goal: str


#: Green-city index. Environment & climate change (air, noise) carries half the weight
#: because DESIGN goal 1 names "air people breathe" first; Transportation and Solid waste
#: share the rest. ISO 37120 themes 8 (Environment), 19 (Transportation), 16 (Solid
#: waste); ISO 37122 counterparts (smart air monitoring, waste telemetry, real-time
#: traffic information). Clause numbers [U] (STANDARDS §5).
GREEN_CITY_COMPONENTS: Final[tuple[ComponentSpec, ...]] = (
    ComponentSpec("air_quality", 0.35, "ISO 37120 Environment & climate change", "goal 1"),
    ComponentSpec("mobility", 0.25, "ISO 37120 Transportation", "goal 1"),
    ComponentSpec("bins_not_overflowing", 0.125, "ISO 37120 Solid waste", "goal 2"),
    ComponentSpec("collection_efficiency", 0.125, "ISO 37120 Solid waste", "goal 2"),
    ComponentSpec("noise", 0.15, "ISO 37120 Environment & climate change", "goal 1"),
)

#: Safety index: DESIGN goal 2 (ketenteraman, ketertiban umum dan pelindungan
#: masyarakat). Life-threatening exposures (hazardous air, fire) weigh most; order
#: (gridlock, speeding) and nuisance (night noise) less. ISO 37120 Safety, Environment,
#: Transportation themes; ISO 37122 Safety. Clause numbers [U].
SAFETY_COMPONENTS: Final[tuple[ComponentSpec, ...]] = (
    ComponentSpec("hazardous_air", 0.30, "ISO 37120 Environment / Safety", "goal 2"),
    ComponentSpec("bin_fire_risk", 0.20, "ISO 37120 Safety", "goal 2"),
    ComponentSpec("gridlock", 0.15, "ISO 37120 Transportation", "goal 2"),
    ComponentSpec("speeding", 0.20, "ISO 37120 Transportation / Safety", "goal 2"),
    ComponentSpec("night_noise", 0.15, "ISO 37120 Environment", "goal 1"),
)
