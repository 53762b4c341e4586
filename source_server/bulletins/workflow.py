"""The approval workflow as data: states, the steps between them, and who may take each step (no I/O).

draft → submitted → approved / rejected (with reason) → scheduled → on_air → done; cancelled at any time
before done. Editing an approved or scheduled bulletin sends it back to submitted (the approver sees a diff
against the version they approved). An authorised person may send an emergency bulletin directly: it is
approved by that act, and the decision says so.
"""

from __future__ import annotations

from enum import StrEnum

from source_server.accounts.service import Role


class State(StrEnum):
    """Where a bulletin is in its life."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    SCHEDULED = "scheduled"
    ON_AIR = "on_air"
    DONE = "done"
    CANCELLED = "cancelled"


class Action(StrEnum):
    """A step of the workflow (the decision log and the audit log name it so)."""

    CREATE = "create"
    EDIT = "edit"
    SUBMIT = "submit"
    APPROVE = "approve"
    REJECT = "reject"
    SEND_DIRECT = "send_direct"
    SCHEDULE = "schedule"
    GO_ON_AIR = "go_on_air"
    FINISH = "finish"
    CANCEL = "cancel"


FINAL = frozenset({State.DONE, State.CANCELLED})

# action → {from state: to state}
TRANSITIONS: dict[Action, dict[State, State]] = {
    Action.EDIT: {
        State.DRAFT: State.DRAFT,
        State.REJECTED: State.DRAFT,
        State.SUBMITTED: State.SUBMITTED,
        State.APPROVED: State.SUBMITTED,
        State.SCHEDULED: State.SUBMITTED,
    },
    Action.SUBMIT: {State.DRAFT: State.SUBMITTED, State.REJECTED: State.SUBMITTED},
    Action.APPROVE: {State.SUBMITTED: State.APPROVED},
    Action.REJECT: {State.SUBMITTED: State.REJECTED},
    Action.SEND_DIRECT: {s: State.APPROVED for s in (State.DRAFT, State.SUBMITTED, State.REJECTED, State.APPROVED)},
    Action.SCHEDULE: {State.APPROVED: State.SCHEDULED, State.SCHEDULED: State.SCHEDULED},
    Action.GO_ON_AIR: {State.APPROVED: State.ON_AIR, State.SCHEDULED: State.ON_AIR},
    Action.FINISH: {State.ON_AIR: State.DONE},
    Action.CANCEL: {s: State.CANCELLED for s in State if s not in FINAL},
}

WRITE_ROLES = frozenset({Role.PROVINCE_ADMIN, Role.PROVINCE_OPERATOR, Role.COMMUNE_EDITOR, Role.COMMUNE_APPROVER})
"""Who may write, edit, submit and cancel bulletins of an area."""
COMMUNE_APPROVERS = frozenset({Role.COMMUNE_APPROVER})
"""The commune leader approves the commune's bulletins."""
PROVINCE_APPROVERS = frozenset({Role.PROVINCE_ADMIN})
"""The province's bulletins are approved at the province."""
EMERGENCY_SENDERS = frozenset({Role.PROVINCE_ADMIN, Role.PROVINCE_OPERATOR, Role.COMMUNE_APPROVER})
"""Who may put an emergency bulletin on air without a separate approval (logged as such)."""


def next_state(action: Action, state: State) -> State | None:
    """The state ``action`` leads to from ``state``, or None when the workflow does not allow it."""
    return TRANSITIONS.get(action, {}).get(state)


def approver_roles(owner_level: str) -> frozenset[Role]:
    """Roles that approve bulletins owned by an area of ``owner_level`` (commune or province)."""
    return COMMUNE_APPROVERS if owner_level == "commune" else PROVINCE_APPROVERS
