import pytest

from shared.errors import Problem
from shared.pagination import cursor_position, encode_cursor


def test_a_string_position_round_trips_through_its_cursor() -> None:
    assert cursor_position(encode_cursor("WH-TS"), str) == "WH-TS"


@pytest.mark.parametrize("forged", ["WH\u0000TS", "WH\ud800"])
def test_a_cursor_carrying_text_the_database_cannot_store_is_refused(forged: str) -> None:
    with pytest.raises(Problem) as refused:
        cursor_position(encode_cursor(forged), str)
    assert refused.value.status == 400


def test_a_cursor_of_the_wrong_type_is_refused() -> None:
    with pytest.raises(Problem):
        cursor_position(encode_cursor(7), str)
