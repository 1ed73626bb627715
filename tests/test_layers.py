"""Three floors, arrows only going down: app (app.py, cli.py, app_pages) -> pricing -> calculator.

Every ``import`` statement counts, including those inside functions (a circle hidden in a function is still a
circle). ``calculator/__main__.py`` is the program behind ``python -m calculator``, not a module of the core
(``import calculator`` never runs it): it hands over to ``cli.py`` and is the one file left out below.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(source: str) -> set[str]:
    """Absolute names of every module an import statement in ``source`` names (at any depth)."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
            out.update(f"{node.module}.{alias.name}" for alias in node.names)
    return out


def _modules(package: str) -> dict[str, set[str]]:
    return {f"{package}.{p.stem}": imported_modules(p.read_text(encoding="utf-8"))
            for p in sorted((ROOT / package).glob("*.py")) if p.name != "__main__.py"}


def _top(name: str) -> str:
    return name.split(".")[0]


def test_the_checker_sees_an_import_hidden_in_a_function() -> None:
    source = "import numpy as np\n\ndef f():\n    from pricing.options import compare_options\n    return 1\n"
    assert {"numpy", "pricing.options", "pricing.options.compare_options"} <= imported_modules(source)


@pytest.mark.parametrize(("package", "forbidden"), [
    ("calculator", {"pricing", "app_pages", "cli", "app", "streamlit", "plotly"}),
    ("pricing", {"app_pages", "cli", "app", "streamlit", "plotly"}),
])
def test_arrows_only_go_down(package: str, forbidden: set[str]) -> None:
    bad = {mod: sorted(n for n in names if _top(n) in forbidden) for mod, names in _modules(package).items()}
    assert {m: b for m, b in bad.items() if b} == {}


@pytest.mark.parametrize("package", ["calculator", "pricing", "app_pages"])
def test_no_two_modules_import_each_other(package: str) -> None:
    mods = _modules(package)
    pairs = sorted((a, b) for a, names in mods.items() for b in mods
                   if a < b and (b in names or any(n.startswith(b + ".") for n in names))
                   and (a in mods[b] or any(n.startswith(a + ".") for n in mods[b])))
    assert pairs == []


def test_python_m_calculator_reaches_the_composition_root() -> None:
    main_source = (ROOT / "calculator" / "__main__.py").read_text(encoding="utf-8")
    assert imported_modules(main_source) == {"cli", "cli.main"}
