"""Alembic, one version table per service, applied when the service starts.

One environment (`shared/alembic`) serves every service; each keeps its revisions in
`services/<name>/migrations`. New revision: `make migration SERVICE=parts MSG="add bins"`.
"""

import asyncio
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command, context
from alembic.config import Config
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

import shared.audit  # noqa: F401  (registers the audit trail table)
import shared.idempotency  # noqa: F401  (registers the idempotency table)
import shared.messaging  # noqa: F401  (registers the outbox and inbox tables)

SHARED_TABLES = {"outbox", "inbox", "idempotency", "audit_entry"}


def alembic_config(service_dir: Path, url: str, service: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "alembic"))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", str(service_dir / "migrations"))
    config.attributes["url"] = url
    config.attributes["service"] = service
    return config


def upgrade(service_dir: Path, url: str, service: str) -> None:
    """Bring the service's database to the newest revision (blocking; run in a thread)."""
    command.upgrade(alembic_config(service_dir, url, service), "head")


async def upgrade_async(service_dir: Path, url: str, service: str) -> None:
    # env.py runs its own event loop; give it a thread so it does not nest in ours.
    await asyncio.to_thread(upgrade, service_dir, url, service)


def run_env() -> None:
    """The body of the shared env.py."""
    config = context.config
    url: str = config.attributes["url"]
    service: str = config.attributes["service"]
    prefix = f"{service}_"

    def include_object(obj: Any, name: str | None, type_: str, *_: Any) -> bool:
        if type_ != "table":
            return True
        return bool(name) and (name in SHARED_TABLES or str(name).startswith(prefix))

    def migrate(connection: Connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=SQLModel.metadata,
            version_table=f"alembic_version_{service}",
            include_object=include_object,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()

    async def run() -> None:
        engine = create_async_engine(url, poolclass=sa.NullPool)
        async with engine.begin() as connection:
            await connection.run_sync(migrate)
        await engine.dispose()

    asyncio.run(run())
