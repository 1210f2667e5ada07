"""The JWT secret: the published development one only in dev, and the token command agrees."""

import pytest

from shared.auth import decode_token, main
from shared.settings import DEV_JWT_SECRET, ServiceSettings

STRONG = "a-production-secret-of-forty-bytes-00001"


def test_dev_falls_back_to_the_published_secret() -> None:
    assert ServiceSettings(env="dev", jwt_secret="").jwt_secret == DEV_JWT_SECRET


@pytest.mark.parametrize(
    ("secret", "reason"),
    [
        ("", "is required unless FLEETCARE_ENV=dev"),
        (DEV_JWT_SECRET, "published development secret"),
        ("short-secret", "at least 32 bytes"),
    ],
)
def test_outside_dev_the_service_refuses_to_start_without_a_real_secret(
    secret: str, reason: str
) -> None:
    with pytest.raises(ValueError, match=reason):
        ServiceSettings(env="prod", jwt_secret=secret)


def test_outside_dev_a_long_enough_secret_of_ones_own_is_used() -> None:
    assert ServiceSettings(env="prod", jwt_secret=STRONG).jwt_secret == STRONG


def test_the_token_command_signs_with_the_secret_the_services_verify_with(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FLEETCARE_ENV", "prod")
    monkeypatch.setenv("FLEETCARE_JWT_SECRET", STRONG)
    assert main(["--role", "depot", "--depot-id", "D-BJ", "--sub", "li.lei"]) == 0
    principal = decode_token(STRONG, capsys.readouterr().out.strip())
    assert (principal.role, principal.depot_id, principal.sub) == ("depot", "D-BJ", "li.lei")


def test_the_token_command_refuses_the_development_secret_outside_dev(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FLEETCARE_ENV", "prod")
    monkeypatch.delenv("FLEETCARE_JWT_SECRET", raising=False)
    assert main(["--role", "admin"]) == 2
    printed = capsys.readouterr()
    assert printed.out == "" and "FLEETCARE_JWT_SECRET is required" in printed.err
