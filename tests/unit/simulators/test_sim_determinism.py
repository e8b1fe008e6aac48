"""Same seed → byte-identical plan; the split over worker processes changes nothing."""

from __future__ import annotations

from sim_support import ALL_FAULTS, MIXED_FORMATS, fleet, make_plan, make_plan_spec


def test_same_seed_gives_byte_identical_plan() -> None:
    spec = make_plan_spec(faults=ALL_FAULTS, formats=MIXED_FORMATS, scenarios=("haze", "bin_fire"))
    first, second = make_plan(spec), make_plan(spec)
    assert len(first) > 10_000
    assert [(i.topic, i.payload) for i in first] == [(i.topic, i.payload) for i in second]
    assert [i.truth for i in first] == [i.truth for i in second]


def test_another_seed_gives_other_messages() -> None:
    a = make_plan(make_plan_spec(seed=7, duration_s=1.0))
    b = make_plan(make_plan_spec(seed=8, duration_s=1.0))
    assert [i.payload for i in a] != [i.payload for i in b]


def test_a_sensors_messages_do_not_depend_on_the_worker_split() -> None:
    spec = make_plan_spec(faults=ALL_FAULTS, formats=MIXED_FORMATS, duration_s=2.0)
    sensors = fleet()
    whole = make_plan(spec, sensors)
    halves = make_plan(spec, sensors[0::2]) + make_plan(spec, sensors[1::2])

    def by_sensor(items: list) -> dict[str, list[bytes | None]]:
        out: dict[str, list[bytes | None]] = {}
        for item in items:
            if item.truth["kind"] in ("message", "gap"):
                out.setdefault(item.truth["sensor_id"], []).append(item.payload)
        return out

    assert by_sensor(whole) == by_sensor(halves)
