"""The correlation id of the request being served.

Every request gets one (the caller's `X-Correlation-ID` when it is a short, plain token, else a
new one); it is sent back in the same header, carried by the request's log lines and audit
entries, and quoted in a 500 answer so that a report of the failure finds its log lines.
"""

import re
import uuid
from contextvars import ContextVar, Token

HEADER = "X-Correlation-ID"

# A caller's id is only taken when it cannot smuggle anything into a log line or a header.
_ACCEPTABLE = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_current: ContextVar[str | None] = ContextVar("correlation_id", default=None)


def current() -> str | None:
    """The id of the request being served; None outside a request."""
    return _current.get()


def choose(offered: str | None) -> str:
    """The caller's id when it is acceptable, else a new one."""
    if offered is not None and _ACCEPTABLE.fullmatch(offered):
        return offered
    return uuid.uuid4().hex


def bind(correlation_id: str) -> Token[str | None]:
    return _current.set(correlation_id)


def unbind(token: Token[str | None]) -> None:
    _current.reset(token)
