"""Before the demo starts: the four services answer, accept the demo's tokens and hold the
reference data `make run` loads. Anything missing is said in a sentence, not a traceback."""

from typing import Any

import httpx

from demo.api import Endpoints, client
from demo.world import ENGINEERS, PART_NUMBERS, VEHICLE_NUMBERS, WAREHOUSES

SERVICES = ("intake", "parts", "dispatch", "quality")


class NotReady(Exception):
    """Why the demo cannot run against what is listening."""


async def check(endpoints: Endpoints, secret: str) -> None:
    """Raises NotReady naming what is missing and how to get it."""
    async with httpx.AsyncClient(timeout=5.0) as http:
        for service in SERVICES:
            url = endpoints.url(service)
            try:
                answer = await http.get(f"{url}/readyz")
            except httpx.TransportError as exc:
                raise NotReady(
                    f"{service} does not answer at {url} (FLEETCARE_PORT_BASE="
                    f"{endpoints.base}). Start the system first: make run (with the same "
                    "FLEETCARE_PORT_BASE).") from exc
            if answer.status_code != 200:
                raise NotReady(f"{service} at {url} is not ready: {answer.text[:200]}")
    missing = await _missing_reference_data(endpoints, secret)
    if missing:
        raise NotReady(
            "The demo reference data is not in the running system: " + "; ".join(missing)
            + ". `make run` loads it once per data directory (deploy/local/seed_demo.py); "
            f"load it by hand with: .venv/bin/python deploy/local/seed_demo.py --intake "
            f"{endpoints.url('intake')} --parts {endpoints.url('parts')} --dispatch "
            f"{endpoints.url('dispatch')}")


async def _missing_reference_data(endpoints: Endpoints, secret: str) -> list[str]:
    async with client(endpoints.url("dispatch"), secret, "admin") as dispatch, \
            client(endpoints.url("parts"), secret, "admin") as parts, \
            client(endpoints.url("intake"), secret, "admin") as intake:
        technicians = {t["id"]: t for t in await _items(dispatch, "/v1/technicians")}
        part_numbers = {p["part_number"] for p in await _items(parts, "/v1/parts")}
        warehouses = {w["code"] for w in await _items(parts, "/v1/warehouses")}
        vehicles = [number for number in VEHICLE_NUMBERS
                    if (await intake.get(f"/v1/vehicles/{number}/history")).status_code == 200]
    missing = []
    uncertified = [e.technician_id for e in ENGINEERS
                   if e.technician_id not in technicians
                   or not set(e.skills) <= set(technicians[e.technician_id]["certifications"])]
    for what, absent in (("technicians", uncertified),
                         ("parts", sorted(set(PART_NUMBERS) - part_numbers)),
                         ("warehouses", sorted(set(WAREHOUSES) - warehouses)),
                         ("vehicles", sorted(set(VEHICLE_NUMBERS) - set(vehicles)))):
        if absent:
            missing.append(f"{what} {', '.join(absent)}")
    return missing


async def _items(http: httpx.AsyncClient, path: str) -> list[dict[str, Any]]:
    answer = await http.get(path, params={"limit": 500})
    if answer.status_code in (401, 403):
        raise NotReady(
            f"{http.base_url} refused the demo's token ({answer.status_code}): run the demo with "
            "the FLEETCARE_ENV and FLEETCARE_JWT_SECRET that `make run` has.")
    if answer.status_code != 200:
        raise NotReady(f"{http.base_url}{path} answered {answer.status_code}: {answer.text[:200]}")
    items: list[dict[str, Any]] = answer.json()["items"]
    return items
