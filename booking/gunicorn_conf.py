"""Gunicorn settings: `gunicorn -c python:booking.gunicorn_conf 'booking:create_app()'`.

- With PROMETHEUS_MULTIPROC_DIR set, each worker writes its metrics to files there and /metrics
  sums them; the directory is emptied when gunicorn starts (values of a previous run would be
  added in) and a dead worker's files are marked. Each gunicorn instance needs its own directory.
- With BOOKING_LOG_FORMAT=json, gunicorn's own messages are JSON too, and its access log is off:
  the app writes one JSON line per request that names the URL rule, where gunicorn's access log
  would print the raw path and query string (references, tokens).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from booking.config import config_from_env

_settings = config_from_env()
_metrics_dir: str | None = _settings.get("PROMETHEUS_MULTIPROC_DIR")

if _settings.get("BOOKING_LOG_FORMAT") == "json":
    accesslog = None
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "booking.logs.JsonFormatter"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"level": "INFO", "handlers": ["stderr"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
        },
    }
else:
    accesslog = "-"


def on_starting(server: Any) -> None:
    """Start with an empty metrics directory."""
    if _metrics_dir:
        directory = Path(_metrics_dir)
        directory.mkdir(parents=True, exist_ok=True)
        for stale in directory.glob("*.db"):
            stale.unlink()


def child_exit(server: Any, worker: Any) -> None:
    """Let prometheus_client know a worker is gone (its live gauges stop counting)."""
    if _metrics_dir:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid, _metrics_dir)
