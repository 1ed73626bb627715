"""Entry point of ``python -m calculator``. The edge that wires the ``pricing`` commands (scenario, report) in."""

from calculator.cli import main
from pricing.cli import COMMANDS

raise SystemExit(main(extra=COMMANDS))  # type: ignore[arg-type]
