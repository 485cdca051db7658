"""The apps stay layered: an app imports only apps below it (README, "Map of the code").

Read from the source (every `import` and `from ... import` under apps/, deferred and
TYPE_CHECKING imports included), so a new import against the order fails here before it
turns the app graph back into a cycle. Lower layers reach higher ones only through Celery
tasks named by string or Django signals.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

APPS = Path(__file__).resolve().parent.parent / "apps"

# Top to bottom. An app may import apps of the layers after its own, never its own layer's
# other apps nor the layers before it.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("dashboard", "webhooks"),
    ("chat",),
    ("billing",),  # uses shopify_app's admin URLs for Shopify's approval return URL
    ("shopify_app", "bigcommerce_app", "woocommerce_app"),  # the platforms' install apps
    ("helpdesk",),  # mirrors conversations into the merchant's helpdesk and acts on its events
    ("agent",),
    ("notifications",),  # team digests and customer notices, through the outbox
    ("conversations",),
    ("integrations",),
    ("orders",),
    ("stores",),
    ("core",),
)

# Imports against the order that are known and scheduled to go, each with what removes it.
# Nothing may be added here: a new violation is fixed, not listed.
ALLOWED: frozenset[tuple[str, str]] = frozenset()

# A provider package (integrations/<family>/<provider>/) never imports another provider.
FAMILIES = ("commerce", "helpdesk", "shipping", "payments", "messaging")


def _layer_of(app: str) -> int:
    for depth, layer in enumerate(LAYERS):
        if app in layer:
            return depth
    raise AssertionError(f"apps/{app} is in no layer: add it to LAYERS (and the README map)")


def _imports(path: Path) -> Iterator[tuple[str, int]]:
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module, node.lineno


def _sources() -> Iterator[tuple[str, Path]]:
    for path in sorted(APPS.rglob("*.py")):
        parts = path.relative_to(APPS).parts
        if len(parts) > 1:
            yield parts[0], path


def _relative(path: Path) -> str:
    return path.relative_to(APPS.parent).as_posix()


def layer_violations() -> list[str]:
    found = []
    for app, path in _sources():
        for module, line in _imports(path):
            parts = module.split(".")
            if parts[0] != "apps" or len(parts) < 2 or parts[1] == app:
                continue
            if _layer_of(parts[1]) > _layer_of(app):
                continue
            if (_relative(path), module) not in ALLOWED:
                found.append(f"{_relative(path)}:{line} imports {module}")
    return found


def test_every_app_is_placed_in_a_layer():
    apps = {p.name for p in APPS.iterdir() if (p / "apps.py").exists()}
    placed = {app for layer in LAYERS for app in layer}
    assert apps == placed


def test_no_app_imports_an_app_above_it_or_beside_it():
    assert layer_violations() == []


def test_the_allow_list_holds_only_imports_that_still_exist():
    """An allowed import that is gone comes off the list, so it cannot come back silently."""
    present = {(_relative(path), module) for _, path in _sources() for module, _ in _imports(path)}
    assert ALLOWED - present == set()


def _provider_packages() -> set[str]:
    root = APPS / "integrations"
    return {
        f"apps.integrations.{family}.{package.name}"
        for family in FAMILIES
        for package in (root / family).iterdir()
        if package.is_dir() and (package / "__init__.py").exists()
    }


def provider_violations() -> list[str]:
    packages = _provider_packages()
    found = []
    for own in sorted(packages):
        folder = APPS.parent.joinpath(*own.split("."))
        for path in sorted(folder.rglob("*.py")):
            for module, line in _imports(path):
                other = next(
                    (p for p in packages if module == p or module.startswith(p + ".")), own
                )
                if other != own:
                    found.append(f"{_relative(path)}:{line} imports {module}")
    return found


def test_no_provider_package_imports_another_provider():
    assert provider_violations() == []


def test_the_check_sees_an_import_against_the_order(tmp_path, monkeypatch):
    """The check itself works: a lower app importing a higher one is reported."""
    fake = tmp_path / "apps"
    for app in ("orders", "agent"):
        (fake / app).mkdir(parents=True)
        (fake / app / "apps.py").write_text("")
    (fake / "orders" / "bad.py").write_text("def f():\n    from apps.agent import tasks\n")
    (fake / "agent" / "fine.py").write_text("from apps.orders.models import Order\n")
    monkeypatch.setattr(sys.modules[__name__], "APPS", fake)
    assert layer_violations() == ["apps/orders/bad.py:2 imports apps.agent"]


def test_benchmarks_do_not_import_the_test_suite():
    """bench/ shares stand-ins with the tests through standins/, never by importing tests/."""
    found = [
        f"{path.name}:{line} imports {module}"
        for folder in ("bench", "standins")
        for path in sorted((APPS.parent / folder).rglob("*.py"))
        for module, line in _imports(path)
        if module == "tests" or module.startswith("tests.")
    ]
    assert found == []
