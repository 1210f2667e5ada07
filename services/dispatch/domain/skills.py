"""What a fault asks of the engineer sent: the job's kind and the certified skill it needs (pure).

Only an engineer certified for the required skill is ever sent (持证上岗: 100% certified dispatch).
"""

from collections.abc import Iterable
from enum import StrEnum


class JobKind(StrEnum):
    ONSITE_REPAIR = "onsite_repair"  # classes B and C: repaired where the vehicle stands
    FACTORY_RETURN = "factory_return"  # class A: the engineer coordinates the return to the factory


# A fault that names neither a system nor a known fault code needs a generalist.
GENERAL_SKILL = "general"
# Fault codes more specific than the system they are filed under (prefix match, longest first):
# e.g. a brake valve fault filed under "bogie" still needs a brake engineer.
SKILL_BY_FAULT_CODE_PREFIX: dict[str, str] = {
    "BRK": "brake",
    "PANTO": "pantograph",
    "BOGIE": "bogie",
    "FRAME": "bogie",
    "AXLE": "wheelset",
    "WHEEL": "wheelset",
    "TRAC": "traction",
    "CPL": "coupler",
    "HVAC": "hvac",
    "DOOR": "door",
}


def normalised(name: str) -> str:
    return name.strip().casefold()


def job_kind(severity: str) -> JobKind:
    return JobKind.FACTORY_RETURN if severity == "A" else JobKind.ONSITE_REPAIR


def required_skill(system: str | None, fault_code: str | None) -> str:
    """The fault code's skill when its prefix is in the table, else the system's own name
    (brake → brake, bogie → bogie, ...), else `general`."""
    if fault_code and fault_code.strip():
        code = fault_code.strip().upper()
        for prefix in sorted(SKILL_BY_FAULT_CODE_PREFIX, key=len, reverse=True):
            if code.startswith(prefix):
                return SKILL_BY_FAULT_CODE_PREFIX[prefix]
    if system and system.strip():
        return normalised(system)
    return GENERAL_SKILL


def certified_skills(skills: Iterable[str], certifications: Iterable[str]) -> frozenset[str]:
    """The skills a technician may be sent for: held and certified, whatever the case."""
    return frozenset(normalised(s) for s in skills) & frozenset(
        normalised(c) for c in certifications
    )
