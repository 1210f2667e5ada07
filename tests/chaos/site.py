"""The chaos run's world: three warehouses, two brake parts (one never stocked), thirty brake
engineers and ten depots around Beijing, Tangshan and Guangzhou."""

import httpx

from tests.support.parts import stock_part
from tests.support.services import token

PART = "BRK-VALVE-CH"
NO_STOCK_PART = "BRK-CYL-CH"  # registered, never received: every fault needing it waits
CITIES = {"BJ": ("Beijing", 39.90, 116.40), "TS": ("Tangshan", 39.63, 118.18),
          "GZ": ("Guangzhou", 23.13, 113.26)}
ENGINEERS_PER_CITY = {"BJ": 14, "TS": 8, "GZ": 8}
DEPOTS = [f"D-CH-{city}-{n}" for city, count in (("BJ", 6), ("TS", 2), ("GZ", 2))
          for n in range(1, count + 1)]
ADMIN = token("admin")


def depot_site(depot_id: str) -> tuple[str, float, float]:
    """(site_code, lat, lon): a yard a few kilometres from its city's warehouse."""
    city, n = depot_id.split("-")[2], int(depot_id.rsplit("-", 1)[1])
    _, lat, lon = CITIES[city]
    return f"{city}-YARD-{n}", lat + 0.02 * n, lon - 0.03 * n


def engineer_ids() -> list[str]:
    return [f"T-CH-{city}-{n:02d}" for city, count in ENGINEERS_PER_CITY.items()
            for n in range(1, count + 1)]


async def seed(parts_url: str, dispatch_url: str, units_per_warehouse: int) -> None:
    async with httpx.AsyncClient(base_url=parts_url, headers=ADMIN, timeout=30) as parts:
        for code, (city, lat, lon) in CITIES.items():
            (await parts.put(f"/v1/warehouses/{code}", json={
                "name": f"{city} warehouse", "city": city, "lat": lat, "lon": lon,
            })).raise_for_status()
        await stock_part(parts, PART, [(code, "CH-01", units_per_warehouse) for code in CITIES])
        (await parts.put(f"/v1/parts/{NO_STOCK_PART}", json={
            "name": "Brake cylinder", "category": "fault_driven", "unit": "pc",
            "reorder_point": 0})).raise_for_status()
    async with httpx.AsyncClient(base_url=dispatch_url, headers=ADMIN, timeout=30) as dispatch:
        for tech_id in engineer_ids():
            city, n = tech_id.split("-")[2], int(tech_id.rsplit("-", 1)[1])
            name, lat, lon = CITIES[city]
            (await dispatch.put(f"/v1/technicians/{tech_id}", json={
                "name": f"{name} engineer {n}", "station": name, "lat": lat + 0.01 * n,
                "lon": lon, "skills": ["brake"], "certifications": ["brake"],
                "regions": [name], "shift": {},
            })).raise_for_status()
