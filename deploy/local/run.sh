#!/usr/bin/env bash
# Bootstrap a fresh Debian 12 machine for kotacerdas, then run the demo or the tests.
#
#   bash deploy/local/run.sh demo [--duration 2m] [--rate 2000]   the whole pipeline
#   bash deploy/local/run.sh test [pytest args]                    every test
#   bash deploy/local/run.sh lint                                  ruff + mypy (CI runs it)
#   bash deploy/local/run.sh kotacerdas <command> …                any CLI command
#
# Idempotent: apt packages are installed only when missing (and only as root; otherwise
# the exact apt-get line is printed), the virtualenv .venv/ is created once and the
# project is (re)installed into it when pyproject.toml changed. Kafka's jars are
# resolved by Maven on first `stack up` and cached in ~/.cache/kotacerdas.
set -euo pipefail
cd "$(dirname "$0")/../.."

APT_PACKAGES=(mosquitto mosquitto-clients postgresql-15 openjdk-17-jre-headless maven
              python3-venv chromium)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]]; then
    echo "installing: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  else
    echo "missing packages: sudo apt-get install -y ${missing[*]}" >&2
    exit 2
  fi
fi

PYTHON=${PYTHON:-python3}
if [[ ! -x .venv/bin/python ]]; then
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.kota-installed
if [[ ! -f $stamp || pyproject.toml -nt $stamp ]]; then
  .venv/bin/python -m pip install -q --upgrade pip >&2
  .venv/bin/python -m pip install -q -e '.[dev]' >&2
  touch "$stamp"
fi

command=${1:-}
shift || true
case "$command" in
  demo) exec .venv/bin/kotacerdas run "$@" ;;
  test)
    # TimescaleDB (the production database) for the second half of the service tests:
    # built once from the vendored source when it is not installed (exit 3: not
    # available here; the tests then skip that half and say why).
    bash deploy/postgres/timescaledb.sh || [[ $? -eq 3 ]]
    exec .venv/bin/python -m pytest "$@" ;;
  lint)
    .venv/bin/ruff check .
    .venv/bin/ruff format --check .
    # strict on the pure core and the contract (pyproject.toml [tool.mypy])
    exec .venv/bin/mypy cityscore kotacerdas/contract.py kotacerdas/reasons.py ;;
  kotacerdas) exec .venv/bin/kotacerdas "$@" ;;
  *) echo "usage: bash deploy/local/run.sh demo|test|lint|kotacerdas …" >&2; exit 2 ;;
esac
