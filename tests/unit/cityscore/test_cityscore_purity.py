"""cityscore is a pure core: no network/database imports, numpy only in vectorised."""

from __future__ import annotations

import ast
import pathlib
import subprocess
import sys

import cityscore

PACKAGE = pathlib.Path(cityscore.__file__).parent
FORBIDDEN = {
    "socket", "ssl", "asyncio", "http", "urllib", "sqlite3", "psycopg", "psycopg_pool",
    "aiokafka", "paho", "requests", "aiohttp", "kafka", "msgspec", "pydantic", "logging",
}  # fmt: skip


def _imported_roots(path: pathlib.Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_no_module_imports_io_libraries() -> None:
    for path in PACKAGE.rglob("*.py"):
        assert not (_imported_roots(path) & FORBIDDEN), path


def test_numpy_only_in_the_vectorised_module() -> None:
    users = {p.name for p in PACKAGE.rglob("*.py") if "numpy" in _imported_roots(p)}
    assert users == {"vectorised.py"}


def test_scalar_api_loads_without_numpy() -> None:
    code = (
        "import sys, cityscore.ispu, cityscore.aqi, cityscore.who, cityscore.units, "
        "cityscore.traffic, cityscore.waste, cityscore.safety, cityscore.composite, "
        "cityscore.catalogue, cityscore.live; print('numpy' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True,
        cwd=PACKAGE.parent,
    )  # fmt: skip
    assert out.stdout.strip() == "False"
