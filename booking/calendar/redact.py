"""Keep URL tokens out of the access logs: a feed URL is its own password.

The development server (werkzeug) and gunicorn's access log write the request line, query
string included, and gunicorn may also log the Referer. Feed URLs carry `?token=…` (and a
booking's manage link too), so the value of every `token` parameter is replaced before a
record is written.
"""

from __future__ import annotations

import logging
import re
from typing import Any

# A `token=` parameter (after ?, & or ; or at the start of a bare query string), not
# `xtoken=` or `manage_token=`; its value runs to the next separator.
_TOKEN_PARAMETER = re.compile(r"(?<![\w.-])(token=)[^&;\s\"']+")
REDACTED = "[redacted]"
ACCESS_LOGGERS = ("werkzeug", "gunicorn.access")


def redact(text: str) -> str:
    """Return `text` with the value of every `token` URL parameter replaced."""
    return _TOKEN_PARAMETER.sub(r"\1" + REDACTED, text)


class TokenRedactingFilter(logging.Filter):
    """Rewrites a record's message and arguments so that no URL token reaches a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact in place; never drops the record."""
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        args: Any = record.args
        if isinstance(args, dict):
            # gunicorn logs its access-log atoms as one mapping.
            record.args = {k: redact(v) if isinstance(v, str) else v for k, v in args.items()}
        elif isinstance(args, tuple):
            record.args = tuple(redact(v) if isinstance(v, str) else v for v in args)
        return True


def redact_tokens_in_access_logs() -> None:
    """Install the filter on the access loggers (once per process, whatever the app count)."""
    for name in ACCESS_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, TokenRedactingFilter) for f in logger.filters):
            logger.addFilter(TokenRedactingFilter())
