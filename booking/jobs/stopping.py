"""The worker's stop request: set on SIGTERM, read by jobs between items."""

from __future__ import annotations

import threading

_stopping = threading.Event()


def request_stop() -> None:
    """Ask the running jobs to finish the item in hand and give back the rest."""
    _stopping.set()


def is_stopping() -> bool:
    """Whether the worker was asked to stop."""
    return _stopping.is_set()
