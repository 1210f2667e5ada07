"""The service skeleton: migrations, outbox relay, consumer, health, metrics, errors."""

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.ext.asyncio import AsyncSession

from shared import tracing
from shared.audit import audit_router
from shared.auth import public
from shared.consumer import EventConsumer, Handler
from shared.db import Database
from shared.errors import install_problem_handlers, problem_response
from shared.http import BodyLimit, CorrelationId, RequestMetrics, SecurityHeaders
from shared.kafka import KafkaHealth
from shared.logging import configure_logging, log_context, mask_in_logs
from shared.metrics_refresh import Refresher, check_readiness, refresh_metrics
from shared.migrations import upgrade_async
from shared.policies import publish_policies
from shared.relay import OutboxRelay
from shared.schemas import document_problems, storable_parameters
from shared.settings import ServiceSettings


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.db.session() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(_session)]


async def fault_log_context(request: Request) -> AsyncIterator[None]:
    """Every line logged by a request on one fault's route (`{fault_id}`) names the fault."""
    with log_context(fault_id=request.path_params.get("fault_id")):
        yield


S = TypeVar("S", bound=ServiceSettings)
# A service's own long-running loop (e.g. a watchdog), started after migrations.
BackgroundJob = Callable[[Database], Coroutine[Any, Any, None]]


def settings_dependency(kind: type[S]) -> Callable[[Request], Coroutine[Any, Any, S]]:
    """A dependency giving routes their service's own settings object."""

    # async: FastAPI runs a plain `def` dependency on a worker thread, a hop per request.
    async def settings(request: Request) -> S:
        current = request.app.state.settings
        assert isinstance(current, kind)
        return current

    return settings


def create_service_app(
    settings: ServiceSettings,
    *,
    service_dir: Path,
    title: str,
    description: str,
    routers: Sequence[APIRouter],
    consumed_topics: Sequence[str] = (),
    handlers: Mapping[str, Handler] | None = None,
    background: Sequence[BackgroundJob] = (),
    refreshers: Sequence[Refresher] = (),
) -> FastAPI:
    """Build one service's app; its lifespan migrates, then starts the relay and consumer.

    `refreshers` set the service's gauges read from its database, every
    `metrics_refresh_seconds`, alongside the readiness gauge.
    """
    configure_logging(settings.service_name)
    mask_in_logs(settings.jwt_secret)
    tracing.configure(settings)
    db = Database(settings.database_url)
    kafka = KafkaHealth(settings)
    relay = OutboxRelay(settings, db, kafka)
    consumer = (
        EventConsumer(settings, db, list(consumed_topics), handlers or {})
        if consumed_topics and settings.run_consumers
        else None
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await upgrade_async(service_dir, settings.database_url, settings.service_name)
        relay.start()
        if consumer:
            consumer.start()
        gauges = refresh_metrics(
            settings.service_name, db, consumer, refreshers, settings.metrics_refresh_seconds,
            kafka=kafka,
        )
        jobs = [asyncio.create_task(job(db)) for job in background]
        jobs.append(asyncio.create_task(kafka.watch(), name="kafka-probe"))
        jobs.append(asyncio.create_task(gauges, name="metrics-refresh"))
        try:
            yield
        finally:
            # Uvicorn has finished the requests in flight by now (SIGTERM). The consumer ends
            # its record and commits before the relay's last flush, so the events both wrote
            # go out before the process does.
            for task in jobs:
                task.cancel()
            await asyncio.gather(*jobs, return_exceptions=True)
            if consumer:
                await consumer.stop()
            await relay.stop()
            await db.dispose()

    app = FastAPI(
        title=title, description=description, version="1.0.0", lifespan=lifespan,
        dependencies=[Depends(fault_log_context), Depends(storable_parameters)],
        telemetry=tracing.FASTAPI_TELEMETRY,
    )
    app.state.settings = settings
    app.state.db = db
    app.state.relay = relay
    app.state.consumer = consumer
    install_problem_handlers(app)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestMetrics, service=settings.service_name)
    # Outermost: every answer, a 413 or a 500 too, carries the correlation id and the headers.
    app.add_middleware(CorrelationId)
    app.add_middleware(SecurityHeaders)
    app.include_router(_operations_router(settings.service_name, db, kafka, consumer))
    app.include_router(audit_router(_session))
    for router in routers:
        app.include_router(router)
    publish_policies(app)
    # After the policies: public operations (empty `security`) answer no 401 or 403.
    document_problems(app)
    return app


def _operations_router(
    service: str, db: Database, kafka: KafkaHealth, consumer: EventConsumer | None
) -> APIRouter:
    # Probes and scrapers carry no token (the contract): declared public, like /docs.
    router = APIRouter(tags=["operations"], dependencies=[Depends(public)])

    @router.get("/healthz", summary="The process is alive")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get(
        "/readyz", summary="Database and Kafka are reachable", response_model=None,
        description="200 `ready` when the database and Kafka are reachable, else 503 naming "
        "what is not (the contract). `require=database` (for load balancers): 200 `degraded` "
        "while only Kafka is unreachable, since requests are still served and the events "
        "they cause wait in the outbox until the broker is back.",
        responses={503: {"description": "Not ready; `checks` names what is unreachable"}},
    )
    async def readyz(
        require: Annotated[Literal["all", "database"], Query()] = "all",
    ) -> Response | dict[str, object]:
        found = await check_readiness(service, db, consumer, kafka)
        checks = {name: "ok" if ok else "unreachable" for name, ok in found.items()}
        required = found if require == "all" else {"database": found["database"]}
        if not all(required.values()):
            failing = ", ".join(name for name, ok in found.items() if not ok)
            return problem_response(503, "Not ready", f"Unreachable: {failing}.", checks=checks)
        return {"status": "ready" if all(found.values()) else "degraded", "checks": checks}

    @router.get("/metrics", summary="Prometheus metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router
