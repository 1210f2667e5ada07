"""The HTTP ceiling: a bare FastAPI app whose one endpoint stores the posted card as one row.

`uvicorn --factory bench.pipeline.bare_app:create_app` with BENCH_DATABASE_URL set. Same
server, same body parsing into a dict, one INSERT through an asyncpg pool, one transaction per
request; no validation, auth, outbox or timeline: what FleetCare's intake adds to this is its
cost."""

import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from fastapi import FastAPI
from fastapi.responses import JSONResponse


def create_app() -> FastAPI:
    dsn = os.environ["BENCH_DATABASE_URL"]
    pools: list[asyncpg.Pool] = []

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        pool = await asyncpg.create_pool(dsn, min_size=2, max_size=10)
        await pool.execute("CREATE TABLE IF NOT EXISTS bench_row "
                           "(id bigserial PRIMARY KEY, body jsonb NOT NULL)")
        pools.append(pool)
        yield
        await pool.close()

    app = FastAPI(lifespan=lifespan)

    @app.post("/rows", status_code=201)
    async def store(body: dict[str, Any]) -> JSONResponse:
        row_id = await pools[0].fetchval(
            "INSERT INTO bench_row (body) VALUES ($1::jsonb) RETURNING id", json.dumps(body))
        return JSONResponse({"id": row_id}, status_code=201)

    return app
