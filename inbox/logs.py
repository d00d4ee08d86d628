"""Structured JSON logs, one object per line, carrying the request id of the current request.

Private keys never reach a log: records are built from explicit fields, and any field whose
name mentions a private key is replaced before writing.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import re
import sys
import time

REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
_STANDARD = set(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime", "color_message"}
_SECRET_MARKERS = ("private", "secret", "password", "token")
# A whole PEM private key, raw or JSON-escaped ("\\n" for newlines), markers to markers: its
# base64 body is the secret, so redacting only the BEGIN/END lines would leak it.
_PRIVATE_PEM = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)",
                          re.DOTALL)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": round(record.created, 3),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        request_id = REQUEST_ID.get()
        if request_id:
            entry["request_id"] = request_id
        for key, value in vars(record).items():
            if key in _STANDARD or key.startswith("_"):
                continue
            if any(marker in key.lower() for marker in _SECRET_MARKERS):
                value = "[redacted]"
            elif isinstance(value, str) and "PRIVATE KEY" in value:
                value = "[redacted]"
            entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        text = json.dumps(entry, default=str, ensure_ascii=False)
        return _PRIVATE_PEM.sub("[redacted]", text).replace("PRIVATE KEY", "[redacted]")


# syslog priorities (sd-daemon.h): journald reads a "<N>" line prefix as the line's priority.
_PRIORITIES = {logging.CRITICAL: 2, logging.ERROR: 3, logging.WARNING: 4, logging.INFO: 6,
               logging.DEBUG: 7}


class JournalFormatter(JsonFormatter):
    """The JSON line behind a ``<N>`` syslog priority prefix, so ``journalctl -p err`` finds
    the errors (journald strips the prefix; SyslogLevelPrefix= is on by default)."""

    def format(self, record: logging.LogRecord) -> str:
        priority = next((p for level, p in sorted(_PRIORITIES.items(), reverse=True)
                         if record.levelno >= level), 7)
        return f"<{priority}>{super().format(record)}"


def writes_to_journal(stream, environ=None) -> bool:
    """True when ``stream`` is the journald stream systemd connected (``$JOURNAL_STREAM`` names
    its device:inode; a child that inherited the variable but writes elsewhere gets False)."""
    expected = (os.environ if environ is None else environ).get("JOURNAL_STREAM", "")
    try:
        info = os.fstat(stream.fileno())
    except (AttributeError, OSError, ValueError):
        return False
    return bool(expected) and expected == f"{info.st_dev}:{info.st_ino}"


def configure_logging(level: str = "info", stream=None) -> None:
    """Route the inbox's and uvicorn's loggers to one JSON handler (with syslog priority
    prefixes when the stream is the journal)."""
    stream = stream or sys.stderr
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JournalFormatter() if writes_to_journal(stream) else JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)


def now_ms() -> float:
    return time.perf_counter() * 1000
