"""The committed rollup migration is exactly what the generator produces."""

from __future__ import annotations

from aggregator.migrate import MIGRATIONS_DIR, discover
from aggregator.rollup_sql import GRAINS, create_tables_sql, recompute, value_columns
from kotacerdas.contract import METRICS


def test_migration_004_matches_the_generator():
    committed = (MIGRATIONS_DIR / "004_rollups.sql").read_text()
    assert committed == create_tables_sql(), (
        "regenerate: python -m aggregator.rollup_sql > aggregator/migrations/004_rollups.sql"
    )


def test_every_metric_has_mean_min_max_and_count_columns():
    for domain, metrics in METRICS.items():
        names = {c for c, _ in value_columns(domain)}
        for m in metrics:
            assert {f"{m}_avg", f"{m}_min", f"{m}_max", f"{m}_n"} <= names


def test_coarser_grains_weight_means_by_sample_counts():
    sql = recompute("air", GRAINS[1])
    assert "sum(r.pm25_avg * r.pm25_n) / nullif(sum(r.pm25_n), 0)" in sql
    assert "FROM w" in sql and "air_rollup_1m" in sql


def test_migrations_are_numbered_without_gaps():
    versions = [m.version for m in discover()]
    assert versions == list(range(1, len(versions) + 1))
