"""Tables every service database holds: the transactional outbox and the inbox."""

from datetime import datetime

from sqlalchemy import BigInteger, Column, Integer, Text
from sqlmodel import Field, SQLModel

from shared.columns import timestamp_field
from shared.events import utcnow

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
_BIGINT_PK = BigInteger().with_variant(Integer(), "sqlite")


class OutboxMessage(SQLModel, table=True):
    """An event written in the same transaction as the state change it announces."""

    __tablename__ = "outbox"

    id: int | None = Field(
        default=None, sa_column=Column(_BIGINT_PK, primary_key=True, autoincrement=True)
    )
    event_id: str = Field(max_length=36, unique=True)
    topic: str = Field(max_length=100)
    key: str = Field(max_length=100)
    type: str = Field(max_length=60)
    payload: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = timestamp_field(default_factory=utcnow)


class InboxMessage(SQLModel, table=True):
    """Events a consumer group has already applied: a redelivery finds its row and is a no-op."""

    __tablename__ = "inbox"

    consumer: str = Field(primary_key=True, max_length=60)
    event_id: str = Field(primary_key=True, max_length=36)
    type: str = Field(max_length=60)
    processed_at: datetime = timestamp_field(default_factory=utcnow)
