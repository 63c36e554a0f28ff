"""Retry delays: exponential backoff with jitter, as plain arithmetic."""

from __future__ import annotations

import random
from datetime import timedelta


def retry_delay(
    *, attempt: int, base_seconds: float, cap_seconds: float, rng: random.Random
) -> timedelta:
    """Return how long to wait after failed attempt number `attempt` (1 for the first).

    The ceiling doubles with each attempt up to `cap_seconds`; the delay is drawn from its upper
    half ("equal jitter"), so workers that failed together do not retry together, yet each
    delay is at least as long as the previous one's ceiling allowed at its shortest.

    Args:
        attempt: how many attempts have failed so far (≥ 1).
        base_seconds: the ceiling after the first failure.
        cap_seconds: the largest ceiling.
        rng: the source of jitter (tests pass a seeded one).
    """
    if attempt < 1:
        raise ValueError("attempt counts from 1")
    ceiling = min(cap_seconds, base_seconds * 2.0 ** min(attempt - 1, 60))
    return timedelta(seconds=ceiling / 2 + rng.uniform(0, ceiling / 2))
