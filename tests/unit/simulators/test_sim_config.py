"""Flag parsing names the bad token; the time model keeps timestamps inside 7 days."""

from __future__ import annotations

import argparse

import pytest
from sim_support import fleet

from kotacerdas.errors import UserFacingError
from simulators.config import TimeModel, parse_duration, parse_faults, parse_formats
from simulators.planner import make_spec


def test_durations() -> None:
    assert parse_duration("10m") == 600.0
    assert parse_duration("90") == 90.0
    assert parse_duration("1.5h") == 5400.0
    with pytest.raises(UserFacingError, match="--duration 'ten'"):
        parse_duration("ten")


def test_fault_syntax_errors_name_the_bad_token() -> None:
    assert parse_faults("duplicate=0.01,late=0.02") == {"duplicate": 0.01, "late": 0.02}
    with pytest.raises(UserFacingError, match=r"'dupe=0\.1'"):
        parse_faults("duplicate=0.01,dupe=0.1")
    with pytest.raises(UserFacingError, match="'late=lots'"):
        parse_faults("late=lots")
    with pytest.raises(UserFacingError, match="'late=2'"):
        parse_faults("late=2")


def test_format_shares_are_normalised() -> None:
    assert parse_formats("native=3,senml=1") == {"native": 0.75, "senml": 0.25}
    with pytest.raises(UserFacingError, match="'xml=1'"):
        parse_formats("xml=1")


def test_time_model_runs_the_clock_faster_until_the_span_cap() -> None:
    slow = TimeModel.solve(nominal_rate=4.0, rate=400.0, duration_s=60.0, max_span_s=6 * 86_400)
    assert slow.speed == 100.0 and slow.compression == 1.0
    fast = TimeModel.solve(nominal_rate=4.0, rate=5000.0, duration_s=600.0, max_span_s=6 * 86_400)
    assert fast.span_s == 6 * 86_400 and fast.compression < 1.0


def test_issue_example_stays_inside_ingest_max_age() -> None:
    spec = make_spec(
        fleet(("jakarta", "makassar")),
        seed=7,
        rate=5000,
        duration_s=600,
        max_span_s=6 * 86_400,
        wall_start=1_795_900_000.0,
    )
    assert spec.sim_end <= 1_795_900_000 and spec.sim_start >= 1_795_900_000 - 7 * 86_400
    assert spec.compression < 1.0  # sensors report more often than nominal to fit


def test_too_few_sensors_for_the_rate_is_a_user_error() -> None:
    with pytest.raises(UserFacingError, match="--scale"):
        make_spec(
            fleet(("sumedang",))[:2],
            seed=1,
            rate=10_000,
            duration_s=3600,
            max_span_s=6 * 86_400,
            wall_start=1.8e9,
        )


def _parser() -> argparse.ArgumentParser:
    from simulators.cli import register

    root = argparse.ArgumentParser(prog="kotacerdas")
    register(root.add_subparsers(dest="command"))
    return root


def test_cli_has_help_for_every_flag() -> None:
    root = _parser()
    sub = root._subparsers._group_actions[0].choices["simulate"]  # type: ignore[union-attr]
    for action in sub._actions:
        assert action.help, action.dest


def test_cli_unknown_city_is_a_user_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from sim_support import registry

    from simulators.cli import config_from_args
    from simulators.runner import select_sensors

    monkeypatch.setenv("KOTA_SENSOR_SECRET", "s3cret")
    args = _parser().parse_args(["simulate", "--cities", "jakarta,bandung", "--faults", "late=0.1"])
    config = config_from_args(args)
    with pytest.raises(UserFacingError, match="'bandung'"):
        select_sensors(registry(), config.cities)


def test_cli_needs_the_fleet_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    from simulators.cli import config_from_args

    monkeypatch.setenv("KOTA_SENSOR_SECRET", "")
    with pytest.raises(UserFacingError, match="KOTA_SENSOR_SECRET"):
        config_from_args(_parser().parse_args(["simulate"]))


def test_cli_bad_faults_flag_names_the_token(monkeypatch: pytest.MonkeyPatch) -> None:
    from simulators.cli import config_from_args

    monkeypatch.setenv("KOTA_SENSOR_SECRET", "s3cret")
    with pytest.raises(UserFacingError, match=r"'stuk=0\.1'"):
        config_from_args(_parser().parse_args(["simulate", "--faults", "stuk=0.1"]))


def test_cli_streams_the_cities_of_the_registry_dir(monkeypatch, tmp_path) -> None:
    """KOTA_REGISTRY_DIR's extra cities (the broker and the bridge know them) can be
    simulated too; without the setting only the pilot files count."""
    from simulators.cli import config_from_args

    monkeypatch.setenv("KOTA_SENSOR_SECRET", "s3cret")
    monkeypatch.delenv("KOTA_REGISTRY_DIR", raising=False)
    assert config_from_args(_parser().parse_args(["simulate"])).registry_dir is None
    monkeypatch.setenv("KOTA_REGISTRY_DIR", str(tmp_path))
    assert config_from_args(_parser().parse_args(["simulate"])).registry_dir == tmp_path
