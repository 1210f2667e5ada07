"""Set up parts reference data through the parts API, as a storekeeper would."""

from typing import Any

import httpx


async def stock_part(
    parts: httpx.AsyncClient,
    part_number: str,
    bins: list[tuple[str, str, int]] | list[tuple[str, str, int, str]],
    category: str = "fault_driven",
    **part: Any,
) -> None:
    """Register the part, its bins, and receive `qty` into each (warehouse, bin, qty[, batch])."""
    body = {"name": f"Part {part_number}", "category": category, "unit": "pc",
            "reorder_point": 0} | part
    (await parts.put(f"/v1/parts/{part_number}", json=body)).raise_for_status()
    for warehouse, bin_, qty, *batch in bins:
        (await parts.put(f"/v1/warehouses/{warehouse}/bins/{bin_}", json={})).raise_for_status()
        receipt: dict[str, Any] = {"warehouse": warehouse, "bin": bin_,
                                   "part_number": part_number, "qty": qty}
        if batch:
            receipt["batch"] = batch[0]
        (await parts.post("/v1/stock/receipts", json=receipt)).raise_for_status()


async def all_pages(client: httpx.AsyncClient, path: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = params | {"limit": 500} | ({"cursor": cursor} if cursor else {})
        response = await client.get(path, params=query)
        response.raise_for_status()
        page = response.json()
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items
