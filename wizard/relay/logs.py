"""Structured logs: one JSON object a line on stderr, scrubbed by roomcal's redaction.

Events are names (``link.started``), fields are ids and statuses: the relay never
passes a token, a code or a state to a log call, and the redaction filter masks what
has a secret's shape (and every registered secret) should one slip in.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any

from wizard.core.redact import RedactingFilter, scrub_data


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, Any] = getattr(record, "fields", {}) or {}
        entry = {"ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
                 + f".{int(record.msecs):03d}Z",
                 "level": record.levelname.lower(), "event": record.getMessage(),
                 **scrub_data(fields)}
        return json.dumps(entry, ensure_ascii=False, default=str)


def setup() -> logging.Logger:
    log = logging.getLogger("roomcal.relay")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactingFilter())
    log.handlers[:] = [handler]
    log.setLevel(logging.INFO)
    log.propagate = False
    for name in ("httpx", "httpcore", "aiohttp.access", "aiohttp"):
        logging.getLogger(name).setLevel(logging.WARNING)  # httpx logs URLs with queries
    return log
