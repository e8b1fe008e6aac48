"""deploy/docker/Dockerfile: multi-stage, slim, non-root, no build tools or secrets in the
final image, and a build context that cannot carry secrets.

The image itself can only be built on a Docker host; these checks read the files.
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "deploy" / "docker" / "Dockerfile"
DOCKERIGNORE = REPO / "deploy" / "docker" / "Dockerfile.dockerignore"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    result = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            result.append((word.upper(), rest.strip()))
    return result


def stages() -> list[list[tuple[str, str]]]:
    found: list[list[tuple[str, str]]] = []
    for instruction in instructions():
        if instruction[0] == "FROM":
            found.append([])
        if found:
            found[-1].append(instruction)
    return found


def global_args() -> dict[str, str]:
    args = {}
    for word, rest in instructions():
        if word == "FROM":
            break
        if word == "ARG" and "=" in rest:
            name, value = rest.split("=", 1)
            args[name] = value
    return args


def base_image(stage: list[tuple[str, str]]) -> str:
    image = stage[0][1].split()[0]
    return re.sub(r"\$\{(\w+)\}", lambda m: global_args()[m.group(1)], image)


def test_the_build_has_a_builder_and_a_runtime_stage_on_a_pinned_slim_python() -> None:
    builder, runtime = stages()
    assert builder[0][1].endswith("AS builder") and runtime[0][1].endswith("AS runtime")
    for stage in (builder, runtime):
        assert re.fullmatch(r"python:3\.11\.\d+-slim-bookworm", base_image(stage))


def test_the_runtime_stage_has_no_compilers_or_package_manager_installs() -> None:
    runtime = " ".join(rest for _, rest in stages()[-1])
    for tool in ("apt-get", "build-essential", "gcc", "g++", "make ", "libpq-dev"):
        assert tool not in runtime, tool
    # Only wheels built in the builder stage are installed, without reaching an index.
    assert "--no-index" in runtime and "from=builder" in runtime


def test_the_image_runs_as_a_fixed_non_root_user_with_the_cli_as_entrypoint() -> None:
    runtime = stages()[-1]
    users = [rest for word, rest in runtime if word == "USER"]
    assert users == ["10001:10001"]
    entrypoint = [rest for word, rest in runtime if word == "ENTRYPOINT"]
    assert entrypoint == ['["kotacerdas"]']
    # USER comes after every RUN: nothing later runs as root.
    last_run = max(i for i, (word, _) in enumerate(runtime) if word == "RUN")
    assert next(i for i, (word, _) in enumerate(runtime) if word == "USER") > last_run


def test_no_secret_is_baked_into_the_image() -> None:
    for word, rest in instructions():
        if word in ("ENV", "ARG", "LABEL"):
            assert not re.search(r"PASSWORD|SECRET|TOKEN|_KEY\b", rest, re.I), rest
        if word in ("COPY", "ADD"):
            assert not re.search(r"\.env\b|\.kota|\.key\b|\.pem\b", rest), rest


def test_the_image_copies_every_package_the_project_ships() -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    packages = set(pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"])
    copied = {rest.split()[0].rstrip("/") for word, rest in stages()[0] if word == "COPY"} - {
        "pyproject.toml"
    }
    assert packages <= copied, packages - copied


def ignored(path: str) -> bool:
    """Docker's rule: the last matching pattern wins; `!` re-includes."""
    result = False
    for line in DOCKERIGNORE.read_text().splitlines():
        pattern = line.strip()
        if not pattern or pattern.startswith("#"):
            continue
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!").rstrip("/")
        candidates = [pattern, pattern.removeprefix("**/")]
        parts = path.split("/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        tails = ["/".join(parts[i:]) for i in range(len(parts))]
        if any(fnmatch.fnmatch(p, c) for c in candidates for p in prefixes + tails):
            result = not negate
    return result


def test_the_build_context_excludes_secrets_and_state() -> None:
    for path in (
        ".env",
        ".env.example",
        ".kota/stack.env",
        ".kota/tls/ca.key",
        ".git/config",
        ".venv/bin/python",
        "deploy/k8s/secret.example.yaml",
        "tests/conftest.py",
        "kotacerdas/__pycache__/cli.cpython-311.pyc",
    ):
        assert ignored(path), path
    for path in (
        "pyproject.toml",
        "kotacerdas/cli.py",
        "aggregator/migrations/001_registry_and_raw.sql",
        "kotacerdas/cities/jakarta.yaml",
        "cityscore/py.typed",
        "simulators/cli.py",
    ):
        assert not ignored(path), path


def test_the_dockerignore_sits_where_buildkit_looks_for_it() -> None:
    """BuildKit reads <Dockerfile>.dockerignore beside the Dockerfile it builds."""
    assert DOCKERIGNORE.name == DOCKERFILE.name + ".dockerignore"
    assert DOCKERIGNORE.parent == DOCKERFILE.parent
    lines = DOCKERIGNORE.read_text().splitlines()
    rules = [line for line in lines if line and not line.startswith("#")]
    assert rules[0] == "*", "allow-list: exclude everything first"
