"""What each server process keeps in memory of the bank content, and the one way to drop it all.

A cache of content registers its `clear` here (on_content_change). An import calls content_changed() once its
transaction has committed, which empties every registered cache of this process; other processes (a second worker,
or the server while `preplab import` runs beside it) learn of the import from the content revision in the database
and call content_changed() themselves.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

_clearers: list[Callable[[], None]] = []
_lock = threading.Lock()


def on_content_change(clear: Callable[[], None]) -> None:
    """Have `clear` called whenever the bank content may have changed."""
    with _lock:
        _clearers.append(clear)


def content_changed() -> None:
    """Drop everything this process keeps of the bank content."""
    with _lock:
        clearers = list(_clearers)
    for clear in clearers:
        clear()
