from services.dispatch.domain.skills import (
    GENERAL_SKILL,
    JobKind,
    certified_skills,
    job_kind,
    required_skill,
)


def test_the_system_names_the_skill() -> None:
    assert required_skill("brake", None) == "brake"
    assert required_skill("bogie", None) == "bogie"
    assert required_skill(" Traction ", None) == "traction"


def test_a_system_missing_from_the_table_is_still_its_own_skill() -> None:
    assert required_skill("hvac-roof", None) == "hvac-roof"


def test_a_known_fault_code_prefix_overrides_the_system() -> None:
    assert required_skill("bogie", "BRK-REL-01") == "brake"
    assert required_skill(None, "panto-arc-3") == "pantograph"


def test_the_longest_matching_prefix_wins() -> None:
    assert required_skill(None, "BOGIE-CRACK") == "bogie"
    assert required_skill(None, "AXLE-7") == "wheelset"


def test_an_unknown_fault_code_falls_back_to_the_system() -> None:
    assert required_skill("door", "XYZ-1") == "door"


def test_a_fault_naming_neither_system_nor_known_code_needs_a_generalist() -> None:
    assert required_skill(None, None) == GENERAL_SKILL
    assert required_skill("  ", "XYZ-1") == GENERAL_SKILL


def test_class_a_is_a_factory_return_and_b_and_c_are_repaired_on_site() -> None:
    assert job_kind("A") is JobKind.FACTORY_RETURN
    assert job_kind("B") is JobKind.ONSITE_REPAIR
    assert job_kind("C") is JobKind.ONSITE_REPAIR


def test_only_skills_held_and_certified_count_whatever_the_case() -> None:
    assert certified_skills(["Brake", "hvac"], ["BRAKE", "door"]) == {"brake"}
    assert certified_skills(["brake"], []) == frozenset()
