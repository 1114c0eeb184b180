"""`python -m engine` is the `carte` command."""

from engine.cli import main

# Guarded: decoder workers start with `spawn`, which imports this module again.
if __name__ == "__main__":
    raise SystemExit(main())
