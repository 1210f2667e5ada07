import pytest

from shared.errors import Problem
from shared.events import Envelope, dead_letter_topic, topic_for
from shared.pagination import decode_cursor, encode_cursor
from shared.settings import ServiceSettings


def test_envelope_round_trips_chinese_text_unchanged() -> None:
    envelope = Envelope(type="fault.reported", source="intake", subject="f-1",
                        correlation_id="f-1", data={"description": "制动缓解不良"})
    assert Envelope.from_bytes(envelope.to_bytes()) == envelope


def test_topics_are_named_after_the_producing_service_and_the_group() -> None:
    assert topic_for("parts") == "fleetcare.parts"
    assert dead_letter_topic("dispatch") == "fleetcare.dlt.dispatch"


def test_a_cursor_decodes_to_the_position_it_encodes() -> None:
    assert decode_cursor(encode_cursor(37)) == 37
    assert decode_cursor(None) is None


def test_a_forged_cursor_is_a_client_error() -> None:
    with pytest.raises(Problem) as refused:
        decode_cursor("%%%not-base64")
    assert refused.value.status == 400


def test_the_development_secret_is_refused_outside_dev() -> None:
    with pytest.raises(ValueError, match="FLEETCARE_JWT_SECRET"):
        ServiceSettings(env="production", jwt_secret="")
    assert ServiceSettings(env="dev", jwt_secret="").jwt_secret
