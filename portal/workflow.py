"""Review workflows (kernel): the one way a reviewed document moves from state to state.

Both report workflows (a unit's report: draft → submitted → accepted | returned, reopened;
a commune's consolidated report: draft → issued → acknowledged | returned) move the same way:

1. the row is locked at the version the user saw (portal.locking, by the caller);
2. ``Workflow.check``: a reason, when the move needs one, then the state it leaves;
3. ``Workflow.move``: the new state with the version raised, a transition row (who, when,
   from, to, why), an audit entry ``<prefix>.<new state>`` (state old → new, plus what the
   caller adds), the workflow's own effects inside the transaction, and its follow-up (an
   e-mail, a task) after commit only, so a rolled-back move tells nobody anything.

Kernel: imports no domain app. A workflow is declared once per document by the app that owns
it, with its transition model, its audit function and its hooks as parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction

from portal.locking import version_save
from portal.text import nfc

# (row, transition) → None: a workflow's effect in the transaction, or its follow-up after it.
Hook = Callable[[Any, Any], None]


@dataclass(frozen=True)
class Workflow:
    """How one kind of document records its moves.

    ``transition_model``: the history table, with ``report``, ``from_state``, ``to_state``,
    ``actor`` and ``reason``. ``audit``: the audit writer (``audit_record``'s signature).
    ``commune_of``: the commune a row's audit entry belongs to. ``effects``: run in the
    transaction after every move. ``follow_up``: registered with ``transaction.on_commit``
    after a move that asks for it.
    """

    transition_model: type[models.Model]
    action_prefix: str
    audit: Callable[..., Any]
    commune_of: Callable[[Any], Any]
    effects: Hook | None = None
    follow_up: Hook | None = None

    def check(self, row: Any, *, allowed: Collection[str], refused: str, reason: str | None = None,
              reason_missing: str | None = None) -> None:
        """Raise ValidationError unless the move may start: a non-blank ``reason`` when
        ``reason_missing`` (its message) is given, checked first, on the form's reason field;
        then the row's state among ``allowed`` (else ``refused``)."""
        if reason_missing is not None and not nfc(reason or ""):
            raise ValidationError({"reason": reason_missing})
        if row.state not in allowed:
            raise ValidationError(refused)

    def move(self, row: Any, *, to_state: str, actor: Any, reason: str = "",
             changes: dict[str, Any] | None = None, follow_up: bool = True) -> Any:
        """Record the move of the locked ``row`` to ``to_state``; returns the transition row.

        The transition keeps the actor only when it is a signed-in user (a task or a command
        moves nothing as somebody) and the reason in NFC.
        """
        from_state = row.state
        row.state = to_state
        version_save(row)
        transition = self.transition_model._default_manager.create(
            report=row, from_state=from_state, to_state=to_state,
            actor=actor if getattr(actor, "is_authenticated", False) else None, reason=nfc(reason))
        self.audit(commune=self.commune_of(row), actor=actor, action=f"{self.action_prefix}.{to_state}",
                   target=row, changes={"state": [from_state, to_state], **(changes or {})}, reason=reason)
        if self.effects is not None:
            self.effects(row, transition)
        if follow_up and self.follow_up is not None:
            transaction.on_commit(partial(self.follow_up, row, transition))
        return transition
