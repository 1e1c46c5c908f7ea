"""Dying with the process that started us: `--parent-fd` names the read end of a pipe whose write end only the
starting process (PrepLab's server) holds; when it dies, however it dies, the kernel closes that end, the read
here returns end-of-file and the whole process group (this lab and any ranks it spawned) is killed.

Why a pipe and not Linux's PR_SET_PDEATHSIG: the death signal fires when the *thread* that forked the child ends,
not the process — the server starts runs from request worker threads, which come and go while it lives, so a
healthy run would be killed at random; it also reaches only the direct child (not the ranks a lab spawns) and
exists only on Linux. End-of-file on a pipe comes exactly when the last holder of the write end is gone, on every
Unix, and this thread then takes the whole group down.
"""

from __future__ import annotations

import os
import signal
import threading


def _wait_for_eof(fd: int) -> None:
    try:
        while os.read(fd, 4096):
            pass
    except OSError:
        pass  # a bad or closed descriptor reads like a parent that is gone
    os.killpg(os.getpgrp(), signal.SIGKILL)


def watch_parent(fd: int) -> threading.Thread:
    """Start the watchdog thread (a daemon: it never keeps a finished lab alive)."""
    thread = threading.Thread(target=_wait_for_eof, args=(fd,), name="parent-watchdog", daemon=True)
    thread.start()
    return thread
