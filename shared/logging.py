"""JSON logs, one object a line, saying what each line is about.

Every line carries `service`; lines written while handling an event carry its `event_type`,
`correlation_id` and `fault_id` (or `subject` when the event is not about a fault), and lines
of a request on one fault carry its `fault_id`. So `grep <fault id> *.log` follows a fault
through every service.
"""

import json
import logging
import re
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

# Fields added to every line logged in the current context (and in tasks it starts).
_context: ContextVar[Mapping[str, str]] = ContextVar("log_context", default=MappingProxyType({}))

# Attributes every LogRecord has; any other attribute came from `extra=` and is logged, except
# uvicorn's `color_message` (the message again, with terminal colour codes).
_RECORD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {
    "message", "taskName", "color_message",
}

# A last line of defence: a database URL's password or a bearer token never reaches a log
# (SQLAlchemy, for one, quotes a URL it cannot parse in its error message).
_URL_PASSWORD = re.compile(r"(://[^:/@\s]+:)[^@\s]+@")
_BEARER = re.compile(r"(Bearer\s+)[\w.~+/=-]+", re.IGNORECASE)
# Secret values registered by `mask_in_logs`; the process's logging is global, and so are they.
_secrets: set[str] = set()


@contextmanager
def log_context(**fields: str | None) -> Iterator[None]:
    """Add `fields` to every line logged inside the block; None values are left out."""
    token = _context.set({**_context.get(), **{k: v for k, v in fields.items() if v is not None}})
    try:
        yield
    finally:
        _context.reset(token)


def event_fields(type_: str, subject: str, data: Mapping[str, Any]) -> dict[str, str]:
    """Log fields naming an event: its type, and the fault it is about.

    An event about a fault has the fault id as subject and as `data.fault_id`. A few events are
    about something else (`stock.low` and `quality.part_quarantined`: a part number;
    `quality.issue_opened`: an issue id); they log their subject as `subject`, so `fault_id`
    only ever holds a fault id.
    """
    fault_id = data.get("fault_id")
    if isinstance(fault_id, str):
        return {"event_type": type_, "fault_id": fault_id}
    return {"event_type": type_, "subject": subject}


def mask_in_logs(*secrets: str) -> None:
    """From now on, these values (the JWT signing secret) show as *** wherever they turn up."""
    _secrets.update(secret for secret in secrets if secret)


def _redact(text: str) -> str:
    text = _BEARER.sub(r"\1***", _URL_PASSWORD.sub(r"\1***@", text))
    for secret in _secrets:
        text = text.replace(secret, "***")
    return text


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "message": _redact(record.getMessage()),
        }
        extras = {k: v for k, v in vars(record).items() if k not in _RECORD_ATTRIBUTES}
        # A line's own fields win over its context's; neither replaces the ones above.
        for key, value in {**_context.get(), **extras}.items():
            entry.setdefault(key, value)
        if record.exc_info:
            entry["exception"] = _redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(service: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Python warnings would otherwise print plain text between the JSON lines.
    logging.captureWarnings(True)
    # uvicorn set up its own plain-text handlers before the app existed: route them through ours.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    # aiokafka logs every failed reconnect at ERROR; our own warning says it once per retry.
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
