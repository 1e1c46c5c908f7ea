"""`python -m solutions list | run [ID|MODULE|--all] [--write]` — see solutions/cli.py."""

import sys

from solutions.cli import main

if __name__ == "__main__":
    sys.exit(main())
