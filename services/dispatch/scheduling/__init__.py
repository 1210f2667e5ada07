"""Automatic scheduling of field engineers: a pure package (no I/O), shared by the dispatch
service and the benchmark (bench/dispatch).

- `place`: the online decision for a new job (SLA-aware cheapest insertion, making room for an
  urgent job by moving one queued job when that lowers the plan's cost);
- `reoptimise`: relocation local search over unstarted jobs within a time budget;
- `remove`, `update_job`: follow a job leaving the plan or changing (parts ETA, accepted, started);
- `validate`: the hard constraints, as a list of violations.
The rules and the cost are described in `timing`.
"""

from .improve import reoptimise
from .model import Decision, Job, Plan, Technician, TravelModel, Visit, Window
from .online import place, remove, update_job
from .travel import GreatCircleTravel, MatrixTravel
from .validation import validate

__all__ = [
    "Decision",
    "GreatCircleTravel",
    "Job",
    "MatrixTravel",
    "Plan",
    "Technician",
    "TravelModel",
    "Visit",
    "Window",
    "place",
    "reoptimise",
    "remove",
    "update_job",
    "validate",
]
