"""Allow ``python -m rnnplay``."""

from rnnplay.cli import main

raise SystemExit(main())
