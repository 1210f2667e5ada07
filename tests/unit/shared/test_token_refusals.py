"""A refused token is told why: enough to fix it, nothing about the secret."""

from datetime import timedelta

import jwt
import pytest

from shared.auth import AUDIENCE, ISSUER, decode_token, issue_token
from shared.errors import Problem

SECRET = "unit-test-secret-unit-test-secret-0002"
LATER = 4102444800  # 2100-01-01


def _signed(claims: dict[str, object], secret: str = SECRET, alg: str = "HS256") -> str:
    return jwt.encode(claims, secret, algorithm=alg)


VALID = {"sub": "ops", "role": "admin", "iss": ISSUER, "aud": AUDIENCE, "exp": LATER}


@pytest.mark.parametrize(
    ("token", "detail"),
    [
        (issue_token(SECRET, "admin", "ops", ttl=timedelta(seconds=-1)), "The token has expired."),
        (_signed(VALID, secret="someone-elses-secret-of-enough-length"),
         "The token's signature is not valid."),
        (_signed(VALID | {"aud": "billing"}),
         "The token is not meant for this API (audience fleetcare-api)."),
        (_signed(VALID | {"iss": "elsewhere"}), "The token was not issued by fleetcare."),
        (_signed({k: v for k, v in VALID.items() if k != "exp"}),
         "The token lacks the 'exp' claim."),
        (_signed(VALID, secret=SECRET * 2, alg="HS512"), "The token must be signed with HS256."),
        ("not.a.jwt", "The token is malformed."),
    ],
)
def test_each_refusal_names_its_reason_with_a_401(token: str, detail: str) -> None:
    with pytest.raises(Problem) as refused:
        decode_token(SECRET, token)
    assert (refused.value.status, refused.value.detail) == (401, detail)
    assert refused.value.headers == {"WWW-Authenticate": "Bearer"}
