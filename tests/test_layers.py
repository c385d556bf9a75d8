"""Imports point down the layers, never up: what each package may use is written here once.

``docs/architecture.md`` draws the same picture. A module importing from a layer above its own (even
inside a function, even only for type checking) fails this test, which names the import.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

LAYERS = ("storage", "jobs", "bot", "ogp_watch", "benchmarks")
"""Bottom to top: a package may import from its own layer and the ones before it."""

TELEGRAM_FREE = ("storage", "jobs", "bot")
"""Packages (the Telegram front end ``bot/tg`` aside) that must not know Telegram exists."""


def _modules() -> list[Path]:
    return sorted(p for layer in LAYERS for p in (ROOT / layer).rglob("*.py") if "migrations" not in p.parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_a_module_imports_only_from_its_layer_and_below(path: Path) -> None:
    own = LAYERS.index(path.relative_to(ROOT).parts[0])
    upward = [f"line {line}: {module}" for line, module in _imports(path)
              if module.split(".")[0] in LAYERS and LAYERS.index(module.split(".")[0]) > own]
    assert not upward, f"{path.relative_to(ROOT)} imports from a layer above its own: {upward}"


@pytest.mark.parametrize("path", [p for p in _modules() if p.relative_to(ROOT).parts[0] in TELEGRAM_FREE
                                  and p.relative_to(ROOT).parts[:2] != ("bot", "tg")],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_the_conversation_and_below_do_not_know_telegram(path: Path) -> None:
    telegram = [f"line {line}: {module}" for line, module in _imports(path)
                if module.split(".")[0] == "telegram" or module.startswith("bot.tg")]
    assert not telegram, f"{path.relative_to(ROOT)} imports the Telegram front end: {telegram}"


def test_the_layer_test_sees_every_package() -> None:
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")}
    assert packages - {"tests"} == set(LAYERS), "a new package needs its place in LAYERS"
