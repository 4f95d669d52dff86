"""``python -m flopcheck``."""

from flopcheck.cli import main

raise SystemExit(main())
