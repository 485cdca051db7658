"""The hashed lock files cover every dependency pyproject.toml names, and agree."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*")


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(path: Path) -> dict[str, tuple[str, int]]:
    """name -> (version, number of hashes) for every requirement in a lock file."""
    pins: dict[str, tuple[str, int]] = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", path.read_text()):
        head = block.split("\\", 1)[0].strip()
        if not head or head.startswith("#"):
            continue
        name, _, version = head.partition("==")
        assert version, f"{path.name}: {head!r} is not pinned with =="
        pins[_canonical(name)] = (version.strip(), block.count("--hash=sha256:"))
    return pins


def _declared(*extras: str) -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = list(project["dependencies"])
    for extra in extras:
        specs += project["optional-dependencies"][extra]
    names = {_canonical(_NAME.match(spec).group(0)) for spec in specs}
    return names - {"aftersale"}


@pytest.mark.parametrize(
    ("lock", "extras"),
    [("requirements.lock", ("llm",)), ("requirements-dev.lock", ("llm", "dev"))],
)
def test_every_declared_dependency_is_pinned_with_hashes(lock, extras):
    pins = _pins(ROOT / lock)

    missing = _declared(*extras) - pins.keys()
    assert not missing, f"run `make lock`: {sorted(missing)} missing from {lock}"
    assert all(hashes > 0 for _, hashes in pins.values())


def test_production_runs_the_versions_the_tests_ran():
    production = _pins(ROOT / "requirements.lock")
    development = _pins(ROOT / "requirements-dev.lock")

    assert {n: v for n, (v, _) in production.items()} == {n: development[n][0] for n in production}
