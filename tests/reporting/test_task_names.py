"""The services enqueue reporting's tasks by name (portal.tasks): every name they use is a
registered task, the one reporting.tasks defines."""

from __future__ import annotations

from typing import Any

import pytest

from portal.tasks import registered_task
from reporting import tasks
from reporting.services.rollup_inputs import (
    COMMUNE_ROLLUP_TASK,
    INPUTS_COMPUTED_TASK,
    PROVINCE_COMBINE_TASK,
)
from reporting.services.unit_reports import REPORT_TRANSITION_TASK


@pytest.mark.parametrize(("name", "task"), [
    (REPORT_TRANSITION_TASK, tasks.on_report_transition),
    (COMMUNE_ROLLUP_TASK, tasks.commune_rollup),
    (PROVINCE_COMBINE_TASK, tasks.province_rollup_combine),
    (INPUTS_COMPUTED_TASK, tasks.rollup_inputs_computed),
])
def test_every_name_the_services_enqueue_is_a_registered_task(name: str, task: Any) -> None:
    assert registered_task(name) is task._get_current_object()


def test_an_unknown_task_name_is_an_error() -> None:
    with pytest.raises(KeyError):
        registered_task("reporting.no_such_task")
