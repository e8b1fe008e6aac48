"""Run the simulator on a test-only city (tests/data/cities) as a process of its own.

A test that streams one of its own cities runs the simulator's Python API with the
registry folder the test stack was loaded from (KOTA_REGISTRY_DIR), in a child process
it can stop by PID or SIGTERM like any other service, with no CLI parsing between.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

_PROGRAM = """
import json, os, sys
from pathlib import Path
from kotacerdas.settings import MqttSettings
from simulators.config import SimulationConfig
from simulators.runner import run
from simulators.settings import FleetSecretSettings
from kotacerdas.shutdown import Shutdown, stop_on_signals

args = json.loads(sys.argv[1])
mqtt = MqttSettings()
try:
    # SIGTERM stops it as `kotacerdas simulate` stops: truth written, exit 130
    with stop_on_signals(Shutdown()):
        run(SimulationConfig(
            registry_dir=Path(os.environ["KOTA_REGISTRY_DIR"]),
            mqtt_host=mqtt.host,
            mqtt_port=mqtt.port,
            fleet_secret=FleetSecretSettings().sensor_secret.get_secret_value(),
            quiet=True,
            cities=tuple(args.pop("cities")),
            **args,
        ))
except KeyboardInterrupt:
    sys.exit(130)
"""


def start(env: dict[str, str], cities: list[str], **config: Any) -> subprocess.Popen[str]:
    """The simulator publishing ``cities`` (SimulationConfig fields in ``config``)."""
    return subprocess.Popen(
        [sys.executable, "-c", _PROGRAM, json.dumps({"cities": cities, **config})],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
