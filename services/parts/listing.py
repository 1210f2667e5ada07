"""Keyset pagination over one ordered, unique column."""

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

from shared.errors import Problem
from shared.pagination import decode_cursor, encode_cursor

M = TypeVar("M", bound=SQLModel)


async def keyset_page(
    session: AsyncSession,
    model: type[M],
    key: str,
    limit: int,
    cursor: str | None,
    filters: Sequence[ColumnElement[bool]] = (),
) -> tuple[Sequence[M], str | None]:
    """One page of `model` rows ordered by the unique column `key`, and the next cursor."""
    column: Any = getattr(model, key)
    query = select(model).where(*filters).order_by(column)
    after = decode_cursor(cursor)
    if after is not None:
        if type(after) is not column.type.python_type:
            raise Problem(400, "Invalid cursor", "The cursor is not one this API issued.")
        query = query.where(column > after)
    rows = (await session.scalars(query.limit(limit + 1))).all()
    page = rows[:limit]
    next_cursor = encode_cursor(getattr(page[-1], key)) if len(rows) > limit else None
    return page, next_cursor
