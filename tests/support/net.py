"""Loopback endpoints that misbehave on purpose: nothing listening, or a listener that is mute."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["mute_port", "refused_port"]


@contextmanager
def refused_port() -> Iterator[int]:
    """A loopback port that refuses connections: bound (so no one else takes it), not listening."""
    holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        holder.bind(("127.0.0.1", 0))
        yield holder.getsockname()[1]
    finally:
        holder.close()


@contextmanager
def mute_port() -> Iterator[int]:
    """A loopback port whose listener completes the TCP handshake and then never answers."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)  # the kernel accepts for us; nobody ever reads or writes
        yield listener.getsockname()[1]
    finally:
        listener.close()
