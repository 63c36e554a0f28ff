"""Gunicorn entry point of the benchmarks: `gunicorn 'bench.wsgi:create_app()'`.

The database comes from BENCH_DATABASE_URL; the clock is the dataset's fixed "now", so the
seeded bookings and the slots offered line up whatever the date of the run.
"""

from __future__ import annotations

import os

from flask import Flask

from bench.dataset import make_app


def create_app() -> Flask:
    """The booking app on the benchmark database, with the fixed clock injected."""
    return make_app(os.environ["BENCH_DATABASE_URL"])
