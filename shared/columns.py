"""Column types every service uses."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field


class UTCDateTime(TypeDecorator[datetime]):
    """Stored in UTC, always returned timezone-aware (SQLite keeps no offset of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: every timestamp needs an offset")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def timestamp_field(*, nullable: bool = False, index: bool = False, **kw: Any) -> Any:
    """A SQLModel field for an RFC 3339 timestamp stored in UTC.

    A `default_factory` also becomes the column's default, so Core inserts get it too.
    """
    column: Column[datetime] = Column(
        UTCDateTime(), nullable=nullable, index=index, default=kw.get("default_factory")
    )
    return Field(sa_column=column, **kw)
