"""What campaigns announces to the apps built on it.

Campaigns sits below reporting and must not import it. Where a change to a plan needs a
reaction further up (new reporting periods, figures to recompute), campaigns sends one of these
signals and the app that reacts connects a receiver in its ``AppConfig.ready()``: the one place
that says who listens (today ``reporting/apps.py``). Receivers run synchronously, inside the
sender's transaction, so a failure rolls the whole write back.
"""

from __future__ import annotations

from django.dispatch import Signal

#: ``plan``: a plan was created or imported, or a field that moves its reporting periods
#: (years, deadline rules) changed. Reporting creates/moves the plan's quarterly periods.
plan_schedule_changed = Signal()

#: ``plan``, ``years``: an input of the plan's figures of these years changed (a target, the
#: margin, the plan's years). Reporting marks those figures pending and recomputes them after
#: commit (DESIGN.md rule 9).
plan_figures_changed = Signal()
