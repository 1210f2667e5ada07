"""Every answer of a service carries the security headers and its correlation id; HTML gets a
Content-Security-Policy unless it brings its own."""

import re
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse

from shared.auth import require_role
from shared.http import DOCS_CSP, HTML_CSP, SECURITY_HEADERS
from tests.support.apps import bearer, service_app

REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def _router() -> APIRouter:
    router = APIRouter(dependencies=[Depends(require_role("admin"))])

    @router.get("/v1/things/{thing_id}")
    async def thing(thing_id: str) -> dict[str, str]:
        return {"id": thing_id}

    @router.post("/v1/things")
    async def create(body: dict[str, str]) -> dict[str, str]:
        return body

    @router.get("/v1/page", response_class=HTMLResponse)
    async def page() -> str:
        return "<p>plain page</p>"

    @router.get("/v1/report", response_class=HTMLResponse)
    async def report() -> HTMLResponse:
        return HTMLResponse("<p>report</p>", headers={
            "Content-Security-Policy": REPORT_CSP, "X-Frame-Options": "SAMEORIGIN"})

    return router


@pytest.fixture
async def client(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    app = service_app(monkeypatch, tmp_path, _router())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://unit", headers=bearer(app, "admin")
    ) as client:
        yield client


def _has_security_headers(response: httpx.Response) -> bool:
    return all(response.headers.get(name) == value for name, value in SECURITY_HEADERS.items())


async def test_a_json_answer_carries_the_security_headers_and_no_policy(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/v1/things/T-1")

    assert response.status_code == 200
    assert _has_security_headers(response)
    assert "content-security-policy" not in response.headers


async def test_errors_too_carry_them_a_413_a_404_and_a_401(client: httpx.AsyncClient) -> None:
    too_large = await client.post("/v1/things", content=b'{"a": "' + b"x" * (1 << 20) + b'"}',
                                  headers={"content-type": "application/json"})
    unknown = await client.get("/v1/nowhere")
    anonymous = await client.get("/v1/things/T-1", headers={"Authorization": ""})

    assert [too_large.status_code, unknown.status_code, anonymous.status_code] == [413, 404, 401]
    assert all(_has_security_headers(r) for r in (too_large, unknown, anonymous))


async def test_an_html_page_without_a_policy_of_its_own_may_load_nothing(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/v1/page")

    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-security-policy"] == HTML_CSP
    assert "frame-ancestors 'none'" in HTML_CSP
    assert _has_security_headers(response)


async def test_a_page_that_sets_its_own_policy_and_framing_keeps_them(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/v1/report")

    assert response.headers["content-security-policy"] == REPORT_CSP
    assert response.headers["x-frame-options"] == "SAMEORIGIN"
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_the_docs_page_may_load_swagger_ui_from_its_cdn_and_nothing_else(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/docs")

    assert response.status_code == 200
    assert response.headers["content-security-policy"] == DOCS_CSP
    loaded = re.findall(r'(?:src|href)="(https://[^"]+)"', response.text)
    assert loaded, "Swagger UI's page names the files it loads"
    for url in loaded:
        assert urlsplit(url).netloc in DOCS_CSP, url
    assert "frame-ancestors 'none'" in DOCS_CSP


async def test_every_answer_names_its_correlation_id_a_plain_one_offered_is_kept(
    client: httpx.AsyncClient,
) -> None:
    fresh = await client.get("/v1/things/T-1")
    offered = await client.get("/v1/things/T-1", headers={"X-Correlation-ID": "depot-42.a:b"})
    unsafe = await client.get("/v1/things/T-1", headers={"X-Correlation-ID": "x" * 65})
    unknown = await client.get("/v1/nowhere", headers={"X-Correlation-ID": "lost-1"})

    assert re.fullmatch(r"[0-9a-f]{32}", fresh.headers["x-correlation-id"])
    assert offered.headers["x-correlation-id"] == "depot-42.a:b"
    assert re.fullmatch(r"[0-9a-f]{32}", unsafe.headers["x-correlation-id"])
    assert unknown.headers["x-correlation-id"] == "lost-1"
