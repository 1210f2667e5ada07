"""Service-quality weighting by the analytic hierarchy process (AHP). Pure, no I/O.

Weights come from a pairwise comparison matrix on Saaty's 1–9 scale (principal eigenvector); the
matrix is consistent enough when CR = CI/RI < 0.1. When criteria change, weights are adjusted
without redoing the survey, keeping the ratios between the untouched weights.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

MAX_CRITERIA = 15
# Saaty's random consistency index, by matrix order n = 1..15.
RANDOM_INDEX = (
    0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51, 1.48, 1.56, 1.57, 1.59,
)
CONSISTENCY_LIMIT = 0.1
SAATY_SCALE = tuple(sorted({float(v) for v in range(1, 10)} | {1 / v for v in range(2, 10)}))
# Judgements arrive as decimals (0.3333 for 1/3): compare with a tolerance that admits that
# rounding but not a neighbouring scale value (the closest pair, 1/9 and 1/8, differ by 0.0139).
SCALE_TOLERANCE = 1e-3
RECIPROCAL_TOLERANCE = 1e-3
WEIGHT_SUM_TOLERANCE = 1e-6


class AhpError(ValueError):
    """Invalid AHP input; `field` names the offending input (e.g. `matrix.1.2`)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class AhpResult:
    weights: tuple[float, ...]
    lambda_max: float
    ci: float
    cr: float
    consistent: bool


def _check_matrix(matrix: Sequence[Sequence[float]], criteria: Sequence[str] | None) -> int:
    n = len(matrix)
    if not 1 <= n <= MAX_CRITERIA:
        raise AhpError("matrix", f"needs 1 to {MAX_CRITERIA} rows, got {n}")
    for i, row in enumerate(matrix):
        if len(row) != n:
            raise AhpError(f"matrix.{i}", f"row has {len(row)} entries, the matrix is {n}×{n}")
    if criteria is not None:
        if len(criteria) != n:
            raise AhpError("criteria", f"{len(criteria)} names for a {n}×{n} matrix")
        if len(set(criteria)) != n:
            raise AhpError("criteria", "names must be unique")
    for i, row in enumerate(matrix):
        for j, a in enumerate(row):
            field = f"matrix.{i}.{j}"
            if i == j and abs(a - 1) > SCALE_TOLERANCE:
                raise AhpError(field, "the diagonal must be 1")
            if not any(abs(a - s) <= SCALE_TOLERANCE * s for s in SAATY_SCALE):
                raise AhpError(field, f"{a} is not on Saaty's scale 1/9..1/2, 1..9")
            if abs(a * matrix[j][i] - 1) > RECIPROCAL_TOLERANCE:
                raise AhpError(field, f"not reciprocal: a[{j}][{i}] must be 1/{a}")
    return n


def _principal_eigenvector(matrix: Sequence[Sequence[float]]) -> list[float]:
    # Power iteration: a positive matrix has a unique positive principal eigenvector
    # (Perron), and iteration from the uniform vector converges to it.
    n = len(matrix)
    w = [1 / n] * n
    for _ in range(1000):
        product = [sum(a * x for a, x in zip(row, w, strict=True)) for row in matrix]
        total = sum(product)
        nxt = [x / total for x in product]
        if max(abs(a - b) for a, b in zip(nxt, w, strict=True)) < 1e-15:
            return nxt
        w = nxt
    return w


def priority_weights(
    matrix: Sequence[Sequence[float]], criteria: Sequence[str] | None = None
) -> AhpResult:
    """Weights (summing to 1), λmax, CI, CR and the consistency verdict of a comparison matrix.

    Entry a[i][j] says how much more important criterion i is than j. Raises `AhpError`.
    """
    n = _check_matrix(matrix, criteria)
    w = _principal_eigenvector(matrix)
    product = [sum(a * x for a, x in zip(row, w, strict=True)) for row in matrix]
    lambda_max = sum(p / x for p, x in zip(product, w, strict=True)) / n
    ci = (lambda_max - n) / (n - 1) if n > 2 else 0.0
    ri = RANDOM_INDEX[n - 1]
    cr = ci / ri if ri else 0.0
    return AhpResult(tuple(w), lambda_max, ci, cr, cr < CONSISTENCY_LIMIT)


def _check_weights(weights: Mapping[str, float], criterion: str) -> float:
    if any(w <= 0 for w in weights.values()):
        raise AhpError("weights", "every weight must be positive")
    if abs(sum(weights.values()) - 1) > WEIGHT_SUM_TOLERANCE:
        raise AhpError("weights", "weights must sum to 1")
    if criterion not in weights:
        raise AhpError("criterion", f"{criterion!r} is not among the weights")
    return weights[criterion]


def _not_everything(w_i: float, criterion: str) -> None:
    # The others then weigh (next to) nothing and cannot be rescaled by 1 / (1 − w_i).
    if w_i >= 1 - WEIGHT_SUM_TOLERANCE:
        raise AhpError("criterion", f"{criterion!r} carries all the weight")


def remove_criterion(weights: Mapping[str, float], criterion: str) -> dict[str, float]:
    """Drop a criterion: w'_j = w_j / (1 − w_i)."""
    w_i = _check_weights(weights, criterion)
    if len(weights) == 1:
        raise AhpError("criterion", "cannot remove the only criterion")
    _not_everything(w_i, criterion)
    return {name: w / (1 - w_i) for name, w in weights.items() if name != criterion}


def add_criterion(
    weights: Mapping[str, float], relative_to: str, new_criterion: str, k: float
) -> dict[str, float]:
    """Add a criterion weighing K times `relative_to`: w_new = K·w_i, all divided by 1 + K·w_i."""
    w_i = _check_weights(weights, relative_to)
    if new_criterion in weights:
        raise AhpError("new_criterion", f"{new_criterion!r} is already a criterion")
    if k <= 0:
        raise AhpError("k", "K must be positive")
    scale = 1 + k * w_i
    return {**{name: w / scale for name, w in weights.items()}, new_criterion: k * w_i / scale}


def set_weight(weights: Mapping[str, float], criterion: str, weight: float) -> dict[str, float]:
    """Set criterion i to w'_i: every other w'_j = w_j · (1 − w'_i) / (1 − w_i)."""
    w_i = _check_weights(weights, criterion)
    if not 0 < weight < 1:
        raise AhpError("weight", "the new weight must lie strictly between 0 and 1")
    if len(weights) == 1:
        raise AhpError("criterion", "the only criterion always weighs 1")
    _not_everything(w_i, criterion)
    factor = (1 - weight) / (1 - w_i)
    return {name: weight if name == criterion else w * factor for name, w in weights.items()}


@dataclass(frozen=True)
class Criterion:
    """A criterion and its indicators; weights are local (each level sums to 1)."""

    name: str
    weight: float
    indicators: tuple[tuple[str, float], ...]


# Defaults to start from: the quality department replaces them with weights from its own
# pairwise-comparison survey (POST /v1/ahp/weights) and adjusts them with the reweight rules.
DEFAULT_HIERARCHY: tuple[Criterion, ...] = (
    Criterion("service staff", 0.25, (
        ("response speed", 0.35), ("technical competence", 0.35),
        ("service attitude", 0.20), ("staff training", 0.10),
    )),
    Criterion("parts management", 0.20, (
        ("parts availability", 0.40), ("parts delivery time", 0.35), ("parts quality", 0.25),
    )),
    Criterion("service support system", 0.15, (
        ("hotline availability", 0.40), ("information system", 0.35),
        ("technical documentation", 0.25),
    )),
    Criterion("service effect", 0.40, (
        ("repair quality", 0.30), ("first-time fix rate", 0.20),
        ("impact on on-time running", 0.20), ("customer satisfaction", 0.20),
        ("complaint handling", 0.10),
    )),
)
