"""Entry point of ``python -m calculator``."""

from calculator.cli import main

raise SystemExit(main())
