"""The best-known hindsight plan: the whole scenario known in advance, solved offline with
OR-Tools routing (guided local search), warm-started from the best online plan.

Model (times in seconds from the scenario start):
- one vehicle per technician and shift window; it starts where the technician is at that
  window's start in the warm-start plan (the station for the first), leaves no earlier than the
  window start and arrives at its last job by the window end (the repair may run past it);
- arc cost = drive time (mobilisation included), open routes (the trip home is not counted);
- time dimension: cumul = arrival, transit = repair of the previous job + drive; arrival no
  earlier than the parts, nor than report + mobilisation (a relaxation of "leaves after the
  report"); soft upper bound at the on-site due time, 100 per late second for A/B, 10 for C;
- skills and certificates restrict each job's vehicles; a job may be dropped at a high penalty.
The solver's routes are then re-timed by the scheduling package's own rules (so the reported
figures obey exactly the rules the online methods obey) and the best of that and the warm start
is the best-known plan.
"""

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from services.dispatch.scheduling import Job, Plan, Technician, reoptimise
from services.dispatch.scheduling.planner import Planner
from shared.geo import haversine_km

from .scenario import START, TRAVEL, Scenario
from .simulator import Executed

LATE_WEIGHT = {"A": 100, "B": 100, "C": 10}
DROP_PENALTY = 10**10
SECOND = timedelta(seconds=1)


@dataclass(frozen=True)
class Vehicle:
    technician: Technician
    window: tuple[datetime, datetime]
    at: tuple[float, float]


@dataclass(frozen=True)
class Hindsight:
    executed: dict[str, Executed]
    source: str  # which candidate was best: the solver's, or the online plan (polished or not)
    seconds: float


def solve(scenario: Scenario, warm: dict[str, Executed], budget: timedelta) -> Hindsight:
    began = time.perf_counter()
    jobs = scenario.faults
    vehicles, warm_routes = _vehicles(scenario, warm)
    index_of = {job.id: n for n, job in enumerate(jobs)}
    points = [(j.lat, j.lon) for j in jobs] + [v.at for v in vehicles]
    end = len(points)
    manager = pywrapcp.RoutingIndexManager(
        end + 1, len(vehicles), list(range(len(jobs), end)), [end] * len(vehicles)
    )
    routing = pywrapcp.RoutingModel(manager)
    drive = [[_seconds(TRAVEL.duration(*a, *b)) for b in points] + [0] for a in points]
    drive.append([0] * (end + 1))
    service = [_seconds(j.service_time) for j in jobs] + [0] * (len(vehicles) + 1)
    transit = [[service[i] + cost for cost in row] for i, row in enumerate(drive)]
    for row in transit:
        row[end] = 0
    routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitMatrix(drive))
    horizon = int((scenario.faults[-1].onsite_due - START) / SECOND) + 86_400
    routing.AddDimension(routing.RegisterTransitMatrix(transit), horizon, horizon, False, "time")
    clock = routing.GetDimensionOrDie("time")
    for v, vehicle in enumerate(vehicles):
        opens, closes = (_at(t) for t in vehicle.window)
        clock.CumulVar(routing.Start(v)).SetRange(max(opens, 0), closes)
        clock.CumulVar(routing.End(v)).SetMax(closes)
    mobilisation = _seconds(TRAVEL.mobilisation)
    for n, job in enumerate(jobs):
        node = manager.NodeToIndex(n)
        earliest = _at(job.reported_at) + mobilisation
        if job.parts_ready_at is not None:
            earliest = max(earliest, _at(job.parts_ready_at))
        clock.CumulVar(node).SetMin(earliest)
        clock.SetCumulVarSoftUpperBound(node, _at(job.onsite_due), LATE_WEIGHT[job.severity])
        allowed = [v for v, vehicle in enumerate(vehicles) if _qualified(vehicle, job)]
        routing.VehicleVar(node).SetValues([-1, *allowed])
        routing.AddDisjunction([node], DROP_PENALTY)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = (
        routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    )
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    params.time_limit.FromTimedelta(budget)
    routing.CloseModelWithParameters(params)
    initial = routing.ReadAssignmentFromRoutes(
        [[index_of[j] for j in route] for route in warm_routes], True
    )
    solving = budget * 3 / 4
    params.time_limit.FromTimedelta(solving)
    solution = (
        routing.SolveFromAssignmentWithParameters(initial, params)
        if initial is not None
        else routing.SolveWithParameters(params)
    )
    polish = budget / 4
    candidates = {
        "online plan": warm,
        "online plan, polished": _polished(scenario, _routes_of(warm), polish),
    }
    if solution is not None:
        routes: dict[str, list[str]] = {}
        for v, vehicle in enumerate(vehicles):
            index = solution.Value(routing.NextVar(routing.Start(v)))
            while not routing.IsEnd(index):
                job_id = jobs[manager.IndexToNode(index)].id
                routes.setdefault(vehicle.technician.id, []).append(job_id)
                index = solution.Value(routing.NextVar(index))
        candidates["solver"] = _polished(scenario, routes, polish)
    source = min(candidates, key=lambda name: rank(scenario, candidates[name]))
    return Hindsight(candidates[source], source, time.perf_counter() - began)


def _routes_of(executed: dict[str, Executed]) -> dict[str, list[str]]:
    routes: dict[str, list[str]] = {}
    for visit in sorted(executed.values(), key=lambda v: v.depart):
        routes.setdefault(visit.technician_id, []).append(visit.job_id)
    return routes


def _polished(
    scenario: Scenario, routes: dict[str, list[str]], budget: timedelta
) -> dict[str, Executed]:
    """The routes re-timed by the package's rules, then improved by its relocation search with
    everything known (nothing started): the solver's model relaxes two rules, this restores them."""
    plan = Plan(dict(scenario.technicians), {job.id: job for job in scenario.faults})
    plan.routes = {tid: list(route) for tid, route in routes.items()}
    planned = {job_id for route in routes.values() for job_id in route}
    plan.unassigned = [job.id for job in scenario.faults if job.id not in planned]
    Planner(plan, START, TRAVEL).write(list(plan.routes))
    reoptimise(plan, START, TRAVEL, budget)
    return _executed(scenario, plan)


def _executed(scenario: Scenario, plan: Plan) -> dict[str, Executed]:
    executed = {}
    for technician_id, route in plan.routes.items():
        technician = scenario.technicians[technician_id]
        here = (technician.lat, technician.lon)
        for job_id in route:
            visit = plan.visits[job_id]
            job = plan.jobs[job_id]
            executed[job_id] = Executed(
                job_id, technician_id, visit.arrive - visit.travel, visit.arrive, visit.start,
                visit.end, haversine_km(*here, job.lat, job.lon),
            )
            here = (job.lat, job.lon)
    return executed


def rank(scenario: Scenario, executed: dict[str, Executed]) -> tuple[int, float]:
    missed = sum(
        1 for job in scenario.faults
        if job.id not in executed or executed[job.id].arrive > job.onsite_due
    )
    return missed, sum(visit.km for visit in executed.values())


def _vehicles(
    scenario: Scenario, warm: dict[str, Executed]
) -> tuple[list[Vehicle], list[list[str]]]:
    """A vehicle per technician and window, and the warm start's jobs for each."""
    vehicles, routes = [], []
    by_technician: dict[str, list[Executed]] = {}
    for visit in sorted(warm.values(), key=lambda v: v.depart):
        by_technician.setdefault(visit.technician_id, []).append(visit)
    jobs = {job.id: job for job in scenario.faults}
    for technician in scenario.technicians.values():
        here = (technician.lat, technician.lon)
        done = by_technician.get(technician.id, [])
        for window in sorted(technician.shifts):
            mine = [v.job_id for v in done if window[0] <= v.depart and v.arrive <= window[1]]
            vehicles.append(Vehicle(technician, window, here))
            routes.append(mine)
            if mine:
                here = (jobs[mine[-1]].lat, jobs[mine[-1]].lon)
    return vehicles, routes


def _qualified(vehicle: Vehicle, job: Job) -> bool:
    return job.skill is None or job.skill in vehicle.technician.qualified


def _seconds(span: timedelta) -> int:
    return round(span / SECOND)


def _at(moment: datetime) -> int:
    return _seconds(moment - START)
