"""Load demo reference data through the public APIs (used by `make run`).

Warehouses in several cities with stock, parts, certified technicians and vehicles, so that a
posted fault is reserved and dispatched at once. PUTs are idempotent; stock receipts are not, so
the caller runs this once per data directory.
"""

import argparse
import os

import httpx

from shared.auth import issue_token
from shared.settings import ServiceSettings

WAREHOUSES = [
    ("TS", "唐山中心库 Tangshan central", "Tangshan", 39.63, 118.18),
    ("BJ", "北京库 Beijing", "Beijing", 39.90, 116.40),
    ("GZ", "广州库 Guangzhou", "Guangzhou", 23.13, 113.26),
    ("WH", "武汉库 Wuhan", "Wuhan", 30.59, 114.31),
    ("CS", "长沙库 Changsha", "Changsha", 28.23, 112.94),
    ("SH", "上海库 Shanghai", "Shanghai", 31.23, 121.47),
    ("HZ", "杭州库 Hangzhou", "Hangzhou", 30.27, 120.16),
]
PARTS = [
    ("BRK-VALVE-01", "Brake release valve 制动缓解阀", "fault_driven", "pc", 4),
    ("BOG-BEARING-02", "Bogie axle-box bearing", "emergency", "pc", 2),
    ("TRC-IGBT-03", "Traction converter IGBT module", "supplier_held", "pc", 1),
    ("HVAC-COMP-04", "HVAC compressor", "planned", "pc", 1),
    ("DOOR-MOTOR-05", "Door drive motor", "fault_driven", "pc", 3),
]
STOCK = [  # warehouse, bin, part, qty
    ("TS", "A-01-01", "BRK-VALVE-01", 40), ("TS", "A-01-02", "BOG-BEARING-02", 12),
    ("TS", "B-02-01", "TRC-IGBT-03", 4), ("BJ", "A-01-01", "BRK-VALVE-01", 6),
    ("BJ", "C-01-01", "DOOR-MOTOR-05", 5), ("GZ", "A-01-01", "BRK-VALVE-01", 8),
    ("GZ", "D-01-01", "HVAC-COMP-04", 3), ("WH", "A-02-01", "BOG-BEARING-02", 4),
    ("CS", "A-01-01", "BRK-VALVE-01", 3), ("SH", "B-01-01", "TRC-IGBT-03", 2),
    ("HZ", "D-02-02", "HVAC-COMP-04", 2),
]
# Skills are also their certificates; "general" covers faults that name no system. Each is the
# responsible engineer of their city's depot (D-BJ, D-TS, ...).
TECHNICIANS = [
    ("T-BJ-01", "张伟 Zhang Wei", "Beijing", 39.95, 116.30, ["brake", "bogie", "door", "general"]),
    ("T-BJ-02", "刘洋 Liu Yang", "Beijing", 39.85, 116.45, ["traction", "hvac"]),
    ("T-TS-01", "李娜 Li Na", "Tangshan", 39.60, 118.20, ["brake", "bogie", "wheelset"]),
    ("T-DT-01", "王强 Wang Qiang", "Datong", 40.08, 113.30, ["brake", "coupler"]),
    ("T-BT-01", "赵敏 Zhao Min", "Baotou", 40.66, 109.84, ["brake", "bogie"]),
    ("T-GZ-01", "陈静 Chen Jing", "Guangzhou", 23.10, 113.30, ["brake", "hvac", "door", "general"]),
    ("T-WH-01", "杨帆 Yang Fan", "Wuhan", 30.60, 114.30, ["traction", "brake"]),
    ("T-SH-01", "周杰 Zhou Jie", "Shanghai", 31.20, 121.50, ["hvac", "door", "traction"]),
]
VEHICLES = [
    ("C70-4811", "C70", "China Railway Beijing Group", "2025-09-01", 36),
    ("C70-4812", "C70", "China Railway Beijing Group", "2021-06-01", 24),
    ("CR400AF-2101", "CR400AF", "China Railway Guangzhou Group", "2023-09-01", 60),
    ("BUS-HZ-0117", "City bus 12 m", "Hangzhou Public Transport", "2025-01-10", 36),
]


def seed(urls: dict[str, str], secret: str) -> None:
    auth = {"Authorization": f"Bearer {issue_token(secret, 'admin', 'demo-seed')}"}
    with httpx.Client(headers=auth, timeout=10) as http:
        for code, name, city, lat, lon in WAREHOUSES:
            http.put(f"{urls['parts']}/v1/warehouses/{code}",
                     json={"name": name, "city": city, "lat": lat, "lon": lon}).raise_for_status()
        for number, name, category, unit, reorder in PARTS:
            http.put(f"{urls['parts']}/v1/parts/{number}", json={
                "name": name, "category": category, "unit": unit, "reorder_point": reorder,
            }).raise_for_status()
        for warehouse, bin_, part, qty in STOCK:
            http.put(f"{urls['parts']}/v1/warehouses/{warehouse}/bins/{bin_}",
                     json={}).raise_for_status()
            http.post(f"{urls['parts']}/v1/stock/receipts", json={
                "warehouse": warehouse, "bin": bin_, "part_number": part, "qty": qty,
            }).raise_for_status()
        for tech_id, name, station, lat, lon, skills in TECHNICIANS:
            http.put(f"{urls['dispatch']}/v1/technicians/{tech_id}", json={
                "name": name, "station": station, "lat": lat, "lon": lon, "skills": skills,
                "certifications": skills, "regions": [f"D-{tech_id.split('-')[1]}"],
                "shift": {"start": "00:00", "end": "24:00", "timezone": "Asia/Shanghai"},
            }).raise_for_status()
        for number, model, operator, delivered, months in VEHICLES:
            http.put(f"{urls['intake']}/v1/vehicles/{number}", json={
                "model": model, "operator": operator, "delivered_on": delivered,
                "warranty_months": months,
            }).raise_for_status()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    for name, port in (("intake", 8001), ("parts", 8002), ("dispatch", 8003)):
        parser.add_argument(f"--{name}", default=f"http://127.0.0.1:{port}")
    args = parser.parse_args()
    os.environ.setdefault("FLEETCARE_ENV", "dev")
    seed(vars(args), ServiceSettings().jwt_secret)


if __name__ == "__main__":
    main()
