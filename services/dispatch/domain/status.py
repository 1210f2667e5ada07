"""A job's statuses and the mobile app's action graph (pure)."""

from enum import StrEnum


class JobStatus(StrEnum):
    UNASSIGNED = "unassigned"  # nobody qualified and available: waits for a dispatcher or a retry
    ASSIGNED = "assigned"  # planned into a technician's queue, not yet accepted
    ACCEPTED = "accepted"
    EN_ROUTE = "en_route"
    ON_SITE = "on_site"
    COMPLETED = "completed"
    # Transient: only the decliner's answer shows it; the job is re-placed in the same transaction.
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"  # the fault was cancelled: nobody goes any more


class Action(StrEnum):
    ACCEPT = "accept"
    DECLINE = "decline"
    DEPART = "depart"
    ARRIVE = "arrive"
    COMPLETE = "complete"


class Step(StrEnum):
    APPLY = "apply"
    REPEAT = "repeat"  # the job is already where the action leads: a harmless repeat
    REJECT = "reject"  # out of order


# Jobs in a technician's queue (the plan): they keep the technician busy.
OPEN_STATUSES = (JobStatus.ASSIGNED, JobStatus.ACCEPTED, JobStatus.EN_ROUTE, JobStatus.ON_SITE)
# Accepted or started: never moved to someone else except by a dispatcher's explicit reassign.
PINNED_STATUSES = (JobStatus.ACCEPTED, JobStatus.EN_ROUTE, JobStatus.ON_SITE)
# The engineer has set off: the job's place at the head of their queue is frozen.
STARTED_STATUSES = (JobStatus.EN_ROUTE, JobStatus.ON_SITE)
# Jobs whose story is over: nothing a dispatcher or a later event does changes them.
FINAL_STATUSES = (JobStatus.COMPLETED, JobStatus.WITHDRAWN)
# A dispatcher may send someone else until the engineer is on site.
REASSIGNABLE_STATUSES = (
    JobStatus.UNASSIGNED, JobStatus.ASSIGNED, JobStatus.ACCEPTED, JobStatus.EN_ROUTE,
)

# accept → depart → arrive → complete. Departing from `assigned` accepts implicitly (the
# engineer is on the way: that is an acceptance); declining is possible until departure.
ALLOWED_FROM: dict[Action, tuple[JobStatus, ...]] = {
    Action.ACCEPT: (JobStatus.ASSIGNED,),
    Action.DECLINE: (JobStatus.ASSIGNED, JobStatus.ACCEPTED),
    Action.DEPART: (JobStatus.ASSIGNED, JobStatus.ACCEPTED),
    Action.ARRIVE: (JobStatus.EN_ROUTE,),
    Action.COMPLETE: (JobStatus.ON_SITE,),
}
LEADS_TO: dict[Action, JobStatus] = {
    Action.ACCEPT: JobStatus.ACCEPTED,
    Action.DECLINE: JobStatus.DECLINED,
    Action.DEPART: JobStatus.EN_ROUTE,
    Action.ARRIVE: JobStatus.ON_SITE,
    Action.COMPLETE: JobStatus.COMPLETED,
}


def step(current: str, action: Action) -> Step:
    """Whether an app action applies to a job in `current` status.

    An action the job has already gone through with (e.g. a second `accept` under a new
    client_event_id while accepted) is a repeat and changes nothing; any other action outside
    the graph — `complete` before `arrive`, `accept` once en route — is out of order.
    """
    if current in ALLOWED_FROM[action]:
        return Step.APPLY
    if current == LEADS_TO[action]:
        return Step.REPEAT
    return Step.REJECT


def can_withdraw(status: str) -> bool:
    """A cancelled fault's job is withdrawn unless it is already over (so a repeat is a no-op)."""
    return status not in FINAL_STATUSES


def can_reassign(status: str) -> bool:
    """Another technician may be sent while the job is still to be done and nobody is on site."""
    return status in REASSIGNABLE_STATUSES
