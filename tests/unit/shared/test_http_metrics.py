import httpx
from fastapi import FastAPI, HTTPException

from shared.http import RequestMetrics
from tests.support.metrics import sample

SERVICE = "unit-http"


def _app() -> FastAPI:
    app = FastAPI()

    @app.get("/v1/faults/{fault_id}")
    async def fault(fault_id: str) -> dict[str, str]:
        if fault_id == "missing":
            raise HTTPException(404)
        return {"id": fault_id}

    app.add_middleware(RequestMetrics, service=SERVICE)
    return app


async def test_requests_are_counted_by_route_template_and_status_class() -> None:
    labels = {"service": SERVICE, "method": "GET", "route": "/v1/faults/{fault_id}"}
    before_2xx = sample("fleetcare_http_requests_total", **labels, status_class="2xx")
    before_4xx = sample("fleetcare_http_requests_total", **labels, status_class="4xx")
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://unit") as client:
        assert (await client.get("/v1/faults/F-1")).status_code == 200
        assert (await client.get("/v1/faults/F-2")).status_code == 200
        assert (await client.get("/v1/faults/missing")).status_code == 404

    assert sample("fleetcare_http_requests_total", **labels, status_class="2xx") == before_2xx + 2
    assert sample("fleetcare_http_requests_total", **labels, status_class="4xx") == before_4xx + 1
    assert sample("fleetcare_http_request_duration_seconds_count", **labels) >= 3


async def test_a_path_no_route_matches_is_counted_as_unmatched() -> None:
    labels = {"service": SERVICE, "method": "GET", "route": "unmatched", "status_class": "4xx"}
    before = sample("fleetcare_http_requests_total", **labels)
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://unit") as client:
        assert (await client.get("/v1/nowhere/F-3")).status_code == 404

    assert sample("fleetcare_http_requests_total", **labels) == before + 1
