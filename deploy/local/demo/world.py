"""The demo's world, taken from the reference data `make run` loads (seed_demo), and the fault
cards its depots write (pure: a seeded `random.Random` makes them reproducible)."""

import random
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from seed_demo import PARTS, STOCK, TECHNICIANS, VEHICLES

# What each system's faults usually need from the demo catalogue, and the fault code a depot
# files them under (prefixes as dispatch reads them: BRK → brake, ...).
PART_BY_SYSTEM = {"brake": "BRK-VALVE-01", "bogie": "BOG-BEARING-02", "traction": "TRC-IGBT-03",
                  "hvac": "HVAC-COMP-04", "door": "DOOR-MOTOR-05"}
FAULT_CODE_BY_SYSTEM = {"brake": "BRK-REL-01", "bogie": "BOGIE-BRG-02", "traction": "TRAC-IGBT-03",
                        "hvac": "HVAC-COMP-04", "door": "DOOR-DRV-05", "wheelset": "WHEEL-FLAT-06",
                        "coupler": "CPL-KNU-07"}
SYMPTOMS = {
    "brake": ["制动缓解不良 brake does not release", "制动缸漏风 brake cylinder leaks air"],
    "bogie": ["轴箱温度高 axle-box running hot", "构架异响 noise from the bogie frame"],
    "traction": ["牵引变流器故障 traction converter trips", "牵引力不足 loss of traction"],
    "hvac": ["空调不制冷 air conditioning not cooling", "压缩机异响 compressor noise"],
    "door": ["车门无法关闭 door does not close", "门控器报警 door controller alarm"],
    "wheelset": ["车轮踏面擦伤 wheel flat", "轮缘磨耗超限 flange worn past limit"],
    "coupler": ["车钩不能解钩 coupler will not uncouple", "钩舌裂纹 cracked knuckle"],
    "general": ["原因不明的报警 unexplained alarm", "司机报告异常振动 driver reports vibration"],
}
REPORTERS = [("王师傅", "+86 10 5555 0101"), ("值班员 李", "+86 21 5555 0102"),
             ("调度 陈", "+86 20 5555 0103"), ("Depot desk", "+86 27 5555 0104")]
# Class A: stuck and not fixable where it stands; B: stuck, fixable there; C: still runs.
SEVERITY_MIX = (("A", 0.10), ("B", 0.40), ("C", 0.50))
FLAGS_BY_SEVERITY = {"A": (False, False), "B": (False, True), "C": (True, True)}


@dataclass(frozen=True)
class Engineer:
    technician_id: str
    depot_id: str  # the depot they are the responsible engineer of (their region)
    lat: float
    lon: float
    skills: tuple[str, ...]


ENGINEERS = tuple(Engineer(tech_id, f"D-{tech_id.split('-')[1]}", lat, lon, tuple(skills))
                  for tech_id, _, _, lat, lon, skills in TECHNICIANS)
DEPOTS = tuple(sorted({engineer.depot_id for engineer in ENGINEERS}))
PART_NUMBERS = tuple(part[0] for part in PARTS)
WAREHOUSES = tuple(sorted({line[0] for line in STOCK}))
VEHICLE_NUMBERS = tuple(vehicle[0] for vehicle in VEHICLES)
# Where a supplier's delivery of each part goes: its first bin in the demo stock.
HOME_BIN = {part: (warehouse, bin_) for warehouse, bin_, part, _ in reversed(STOCK)}


@dataclass(frozen=True)
class Card:
    """A fault as a depot reports it, and whether the depot will withdraw it (and when)."""

    depot_id: str
    body: dict[str, Any]
    cancel_after: float | None  # seconds after it is accepted; None: never


def severity_for(draw: float) -> str:
    """The class a uniform draw in [0, 1) falls in, by SEVERITY_MIX."""
    for severity, share in SEVERITY_MIX:
        if draw < share:
            return severity
        draw -= share
    return SEVERITY_MIX[-1][0]


def fault_card(rng: random.Random, reported_at: datetime, cancel_share: float) -> Card:
    """A plausible card: a demo engineer's depot, a system they are certified for (so someone
    can be sent), the class through can_run / repairable_on_site, mostly the catalogue part."""
    engineer = rng.choice(ENGINEERS)
    system = rng.choice(engineer.skills)
    can_run, repairable = FLAGS_BY_SEVERITY[severity_for(rng.random())]
    vehicle_number, vehicle_model, *_ = rng.choice(VEHICLES)
    reporter, phone = rng.choice(REPORTERS)
    yard = rng.randint(1, 3)
    body: dict[str, Any] = {
        "depot_id": engineer.depot_id,
        "vehicle_number": vehicle_number,
        "vehicle_model": vehicle_model,
        "reporter": {"name": reporter, "phone": phone},
        "description": rng.choice(SYMPTOMS[system]),
        "reported_at": reported_at.isoformat(),
        "location": {"site_code": f"{engineer.depot_id[2:]}-YARD-{yard}",
                     "lat": round(engineer.lat + 0.02 * yard, 5),
                     "lon": round(engineer.lon - 0.03 * yard, 5)},
        "can_run": can_run,
        "repairable_on_site": repairable,
        "external_id": f"demo-{uuid.UUID(int=rng.getrandbits(128))}",
    }
    # "general" is what dispatch asks for when a card names no system.
    if system != "general":
        body["system"] = system
        if rng.random() < 0.5:
            body["fault_code"] = FAULT_CODE_BY_SYSTEM[system]
    part = PART_BY_SYSTEM.get(system)
    if part is not None and rng.random() < 0.8:
        body["suspected_parts"] = [{"part_number": part, "qty": rng.choice((1, 1, 1, 2))}]
    cancel_after = rng.uniform(2.0, 10.0) if rng.random() < cancel_share else None
    return Card(engineer.depot_id, body, cancel_after)
