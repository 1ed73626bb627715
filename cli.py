"""The command line's frame: every command of ``python -m calculator``, from every floor, on one parser.

Three floors, arrows only going down: the app (``app.py``, ``app_pages/``, this file) -> economics
(``pricing``) -> physics (``calculator``). Each floor's ``cli`` module defines its own commands as
name -> (function that adds the sub-parser, handler):

- ``calculator.cli``: ``catalog``, ``estimate``, ``validate`` (built in; ``calculator.cli.main`` takes more
  commands as ``extra``);
- ``pricing.cli.COMMANDS``: ``scenario``, ``report`` (and any economics command added to that dict).

This module is the composition root, the only place that knows both floors. ``python -m calculator`` keeps its
public address: ``calculator/__main__.py`` (a program, not a module of the core: ``import calculator`` never runs
it) hands over to :func:`main` here. So no module of the core names ``pricing``; ``tests/test_layers.py`` checks
the arrows. A new command is added to its floor's ``cli`` module; a new floor's commands are added to
``COMMANDS`` below.

Handlers import what they need when they run, so ``estimate`` does not pay for pandas (``bench/bench_cli.py``).
"""

from __future__ import annotations

from collections.abc import Sequence

from calculator.cli import Handler, Register
from calculator.cli import main as core_main
from pricing.cli import COMMANDS as PRICING_COMMANDS

COMMANDS: dict[str, tuple[Register, Handler]] = {**PRICING_COMMANDS}


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``python -m calculator`` with every floor's commands; returns the exit code."""
    return core_main(argv, extra=COMMANDS)
