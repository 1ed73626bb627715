"""``python -m calculator``: the program's public address. Not a module of the core.

``import calculator`` never runs this file. It hands over to ``cli.main`` (``cli.py`` at the repository root,
next to ``app.py``), which puts every floor's commands on one command line: the core's ``catalog``,
``estimate``, ``validate`` and the economics floor's ``scenario``, ``report``. The wiring lives up there so that
no module of the core names ``pricing`` (see ``cli.py`` and ``tests/test_layers.py``).
"""

from cli import main

raise SystemExit(main())
