"""The lifecycle of an intervention: which status changes are allowed, and which need a reason.

    idea → planned → active → completed → anchored        (forward: free; steps may be skipped up to active)
                       └────────────→ anchored           (a trial action that worked is anchored at once)
    any status → stopped                                  (stopping or cancelling: needs a reason)
    back to an earlier status, or out of stopped          (a correction or a restart: needs a reason)

Refused: reaching `completed` or `anchored` without having been `active` (from `idea`, `planned` or `stopped`):
set it `active` first. A new intervention may start in any status, because the registry also records
interventions that ran before it existed. One rule for every way a status changes — PATCH, imports and, later,
the web forms — so each of them calls `transition_problem` (or `check`), and `next_statuses` tells a form what to
offer."""

from enum import StrEnum

from app.models.intervention import Status


class Change(StrEnum):
    free = "free"  # allowed, a reason may be given
    reason = "reason"  # allowed with a reason only
    refused = "refused"


# The main path, in order; `stopped` stands beside it.
ORDER = [Status.idea, Status.planned, Status.active, Status.completed, Status.anchored]
FORWARD = {
    (Status.idea, Status.planned),
    (Status.idea, Status.active),
    (Status.planned, Status.active),
    (Status.active, Status.completed),
    (Status.active, Status.anchored),
    (Status.completed, Status.anchored),
}
ENDED_BY_RUNNING = {Status.completed, Status.anchored}  # only what has been active can reach these


def change(before: Status | str, after: Status | str) -> Change:
    """How a change of status from `before` to `after` is treated (the same status is no change: free)."""
    before, after = Status(before), Status(after)
    if before == after or (before, after) in FORWARD:
        return Change.free
    if after == Status.stopped:
        return Change.reason
    if after in ENDED_BY_RUNNING:
        # Forward from idea/planned (never active), or out of stopped (it did not finish): not allowed.
        if before == Status.stopped or ORDER.index(before) < ORDER.index(after):
            return Change.refused
        return Change.reason  # anchored → completed: a correction
    # Back to idea, planned or active (from a later status or from stopped).
    return Change.reason


def next_statuses(before: Status | str) -> dict[Status, Change]:
    """Every status an intervention in `before` may move to, and whether that needs a reason (for forms)."""
    return {s: c for s in Status if s != Status(before) and (c := change(before, s)) is not Change.refused}


def transition_problem(before: Status | str, after: Status | str, reason: str | None) -> str | None:
    """Why this change of status is refused, or None when it is allowed (with this reason)."""
    kind = change(before, after)
    if kind is Change.refused:
        return (
            f"an intervention cannot go from {Status(before).value!r} to {Status(after).value!r}: only one that has "
            f"been 'active' can be 'completed' or 'anchored'; set status 'active' first"
        )
    if kind is Change.reason and not (reason or "").strip():
        what = (
            "stopping it"
            if Status(after) == Status.stopped
            else "resuming it"
            if Status(before) == Status.stopped
            else "going back"
        )
        return (
            f"going from {Status(before).value!r} to {Status(after).value!r} needs a reason ({what}): "
            "send it as status_reason"
        )
    return None
