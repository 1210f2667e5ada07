"""AHP on the running quality service: weights from a matrix, and bad matrices refused."""

from tests.e2e.conftest import System
from tests.support.services import token

QUALITY = token("quality")
CRITERIA = ["staff", "parts", "support"]


async def test_a_consistent_matrix_answers_its_weights_with_zero_cr(system: System) -> None:
    # Built from weights 0.5 / 0.25 / 0.25: a_ij = w_i / w_j.
    matrix = [[1, 2, 2], [0.5, 1, 1], [0.5, 1, 1]]
    async with system.client("quality", QUALITY) as quality:
        response = await quality.post("/v1/ahp/weights",
                                      json={"criteria": CRITERIA, "matrix": matrix})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["consistent"] is True and abs(body["cr"]) < 1e-9
    assert {k: round(v, 6) for k, v in body["weights"].items()} == {
        "staff": 0.5, "parts": 0.25, "support": 0.25}


async def test_a_non_reciprocal_or_out_of_scale_matrix_is_a_422_naming_the_entry(
    system: System,
) -> None:
    bad = {
        "non-reciprocal": [[1, 3, 2], [3, 1, 1], [0.5, 1, 1]],
        "out of scale": [[1, 12, 2], [1 / 12, 1, 1], [0.5, 1, 1]],
    }
    async with system.client("quality", QUALITY) as quality:
        for what, matrix in bad.items():
            response = await quality.post("/v1/ahp/weights",
                                          json={"criteria": CRITERIA, "matrix": matrix})
            assert response.status_code == 422, (what, response.text)
            assert response.headers["content-type"].startswith("application/problem+json")
            assert response.json()["errors"][0]["field"].startswith("matrix"), what
