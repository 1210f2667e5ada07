"""Cursor pagination: `?limit=` (default 50, max 500) and an opaque `?cursor=`."""

import base64
import binascii
import json
from collections.abc import Sequence
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel
from sqlalchemy import Select, String
from sqlalchemy.ext.asyncio import AsyncSession

from shared.errors import Problem
from shared.schemas import is_storable

T = TypeVar("T")
# Positions we issue are row keys; anything past a signed 64-bit integer was not one of them.
_MAX_KEY = 2**63 - 1

Limit = Annotated[int, Query(ge=1, le=500, description="Page size (default 50, max 500).")]
Cursor = Annotated[
    str | None, Query(max_length=200, description="`next_cursor` of the previous page.")
]


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None


def encode_cursor(position: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(position).encode()).decode()


def decode_cursor(cursor: str | None) -> Any:
    """The position after which the page starts; None for the first page."""
    if cursor is None:
        return None
    try:
        return json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise Problem(400, "Invalid cursor", "The cursor is not one this API issued.") from exc


def _forged() -> Problem:
    return Problem(400, "Invalid cursor", "The cursor is not one this API issued.")


def cursor_position(cursor: str | None, kind: type) -> Any:
    """The decoded position, checked to be of the key's type (and range, for integers)."""
    position: Any = decode_cursor(cursor)
    if position is None:
        return None
    if type(position) is not kind:  # also refuses bool where int is expected
        raise _forged()
    if isinstance(position, int) and not 0 <= position <= _MAX_KEY:
        raise _forged()
    if isinstance(position, str) and not is_storable(position):  # NUL, lone surrogates
        raise _forged()
    return position


async def keyset_page(
    session: AsyncSession, query: Select[Any], key: Any, limit: int, cursor: str | None
) -> tuple[Sequence[Any], str | None]:
    """One page of `query` ordered by the unique column `key`, and the cursor of the next page.

    Keyset, not offset: rows arriving meanwhile cause neither duplicates nor gaps.
    """
    # SQLModel's string columns report `object` as their Python type.
    kind = str if isinstance(key.type, String) else key.type.python_type
    after = cursor_position(cursor, kind)
    if after is not None:
        query = query.where(key > after)
    rows = (await session.scalars(query.order_by(key).limit(limit + 1))).all()
    page = rows[:limit]
    next_cursor = encode_cursor(getattr(page[-1], key.key)) if len(rows) > limit else None
    return page, next_cursor
