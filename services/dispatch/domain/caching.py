"""Entity tags for the app's polling: unchanged data costs a 304 and no body (pure)."""

import hashlib
import json
from typing import Any


def etag_of(representation: Any) -> str:
    """A strong ETag: a hash of the JSON representation (key order does not matter)."""
    canonical = json.dumps(
        representation, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    )
    return '"' + hashlib.sha256(canonical.encode()).hexdigest()[:32] + '"'


def not_modified(if_none_match: str | None, etag: str) -> bool:
    """Whether an If-None-Match header names `etag` (or `*`); weak tags compare too."""
    if not if_none_match:
        return False
    for candidate in if_none_match.split(","):
        tag = candidate.strip()
        if tag == "*":
            return True
        if tag.removeprefix("W/") == etag:
            return True
    return False
