"""``python -m bigmul``: the command line (``bigmul.tools.cli``)."""
from .tools.cli import main

raise SystemExit(main())
