"""The benchmark's world: three warehouses stocked with a brake valve, sixty brake engineers
and nine depots around Beijing, Tangshan and Guangzhou, and the fault cards the depots send."""

from typing import Any

import httpx

from shared.auth import issue_token

# The services run with FLEETCARE_ENV=dev and this secret; tokens are signed with it.
JWT_SECRET = "fleetcare-bench-secret-0123456789abcdef"
PART = "BRK-VALVE-BENCH"
# One receipt per warehouse, the most one receipt may bring: no run empties it.
UNITS_PER_WAREHOUSE = 1_000_000
CITIES = {"BJ": ("Beijing", 39.90, 116.40), "TS": ("Tangshan", 39.63, 118.18),
          "GZ": ("Guangzhou", 23.13, 113.26)}
ENGINEERS_PER_CITY = 20
DEPOTS = [f"D-BENCH-{city}-{n}" for city in CITIES for n in range(1, 4)]


def bearer(role: str, depot_id: str | None = None) -> str:
    return issue_token(JWT_SECRET, role, f"bench-{role}", depot_id=depot_id)


def depot_site(depot_id: str) -> tuple[str, float, float]:
    """(site_code, lat, lon): a yard a few kilometres from its city's warehouse."""
    city, n = depot_id.split("-")[2], int(depot_id.rsplit("-", 1)[1])
    _, lat, lon = CITIES[city]
    return f"{city}-YARD-{n}", lat + 0.02 * n, lon - 0.03 * n


def fault_card(depot_id: str, index: int) -> dict[str, Any]:
    """A class-B brake fault needing one valve: parts reserves it, dispatch assigns it."""
    site_code, lat, lon = depot_site(depot_id)
    return {
        "depot_id": depot_id,
        "vehicle_number": f"C70-{index % 997:04d}",
        "vehicle_model": "C70",
        "reporter": {"name": "值班员", "phone": "+86 10 5555 0101"},
        "description": f"bench fault {index}: brake does not release",
        "location": {"site_code": site_code, "lat": lat, "lon": lon},
        "system": "brake",
        "can_run": False,
        "repairable_on_site": True,
        "suspected_parts": [{"part_number": PART, "qty": 1}],
    }


async def seed(parts_url: str, dispatch_url: str) -> None:
    """Warehouses, the part and its stock, and the engineers, through the services' APIs."""
    admin = {"Authorization": f"Bearer {bearer('admin')}"}
    async with httpx.AsyncClient(base_url=parts_url, headers=admin, timeout=30) as parts:
        (await parts.put(f"/v1/parts/{PART}", json={
            "name": "Brake valve", "category": "fault_driven", "unit": "pc", "reorder_point": 0,
        })).raise_for_status()
        for code, (city, lat, lon) in CITIES.items():
            (await parts.put(f"/v1/warehouses/{code}", json={
                "name": f"{city} warehouse", "city": city, "lat": lat, "lon": lon,
            })).raise_for_status()
            (await parts.put(f"/v1/warehouses/{code}/bins/B-01", json={})).raise_for_status()
            (await parts.post("/v1/stock/receipts", json={
                "warehouse": code, "bin": "B-01", "part_number": PART,
                "qty": UNITS_PER_WAREHOUSE,
            })).raise_for_status()
    async with httpx.AsyncClient(base_url=dispatch_url, headers=admin, timeout=30) as dispatch:
        for city, (name, lat, lon) in CITIES.items():
            for n in range(1, ENGINEERS_PER_CITY + 1):
                (await dispatch.put(f"/v1/technicians/T-BENCH-{city}-{n:02d}", json={
                    "name": f"{name} engineer {n}", "station": name,
                    "lat": lat + 0.01 * (n % 7), "lon": lon + 0.01 * (n // 7),
                    "skills": ["brake"], "certifications": ["brake"], "regions": [name],
                    "shift": {},
                })).raise_for_status()
