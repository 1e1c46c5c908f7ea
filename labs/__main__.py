"""`python -m labs list | run LAB ...` — see labs/cli.py."""

import sys

from labs.cli import main

if __name__ == "__main__":
    sys.exit(main())
