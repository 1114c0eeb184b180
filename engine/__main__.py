"""`python -m engine` is the `carte` command."""

from engine.cli import main

raise SystemExit(main())
