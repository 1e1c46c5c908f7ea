"""The containers' health check (compose.yaml, Dockerfile): healthy once PrepLab answers HTTP on its port.

Any answer below 500 counts: with accounts on /signin is a 200, and a 400 (a Host name that PREPLAB_ALLOWED_HOSTS
leaves out, as 127.0.0.1 may be) still says the server is up. Standard library only, as in the image."""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

PORT = os.environ.get("PREPLAB_PORT", "8000")


def main() -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/signin", timeout=4) as response:
            return 0 if response.status < 500 else 1
    except urllib.error.HTTPError as error:
        return 0 if error.code < 500 else 1
    except OSError:
        return 1


if __name__ == "__main__":
    sys.exit(main())
