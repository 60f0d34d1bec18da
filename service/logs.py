"""Logging set-up for the entry point: one JSON object per line on stderr."""

from __future__ import annotations

import json
import logging
import sys
from typing import Any, TextIO

from service.observability import utc_timestamp, write_decisions_to

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """Formats a record and its ``extra`` fields as one JSON object."""

    def format(self, record: logging.LogRecord) -> str:
        """Render one record."""
        out: dict[str, Any] = {
            "ts": utc_timestamp(record.created),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD:
                out[key] = value
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str, separators=(",", ":"))


def configure(level: str, decisions: bool, stream: TextIO | None = None) -> None:
    """Route every logger to stderr (or ``stream``) as JSON; decision events only when
    ``decisions``, written straight to the stream (see :func:`service.observability.log_decision`).
    """
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("signupguard.decision").setLevel(
        logging.INFO if decisions else logging.WARNING
    )
    write_decisions_to(handler)
    logging.getLogger("alembic").setLevel(logging.WARNING)  # it narrates every start at INFO
