"""A worker killed in the middle of a province rollup: the chord still completes, exactly.

The province rollup is a chord: one ``commune_rollup`` per commune, then
``province_rollup_combine``. A worker that dies mid-chord must neither lose a commune (the
chord would never fire, or fire without it) nor count one twice. Two ways to die, at two
moments (during the work, or after it and before the acknowledgement):

- the pool process is killed (the kernel's OOM killer, a crash in a C extension): the
  worker's parent sees the loss. Mid-task, ``acks_late`` + ``reject_on_worker_lost`` put the
  message back on the queue at once; after the work, Celery finds the stored success and
  acknowledges it instead (no second run, no failure counted against the chord);
- the whole worker is killed (the container or the machine dies): nothing is acknowledged
  and nothing handed back. The Redis transport keeps the message in its ``unacked`` set and
  gives it to a consumer once its visibility timeout has passed; the task runs again.

A task that runs again recomputes its commune in one transaction that replaces the whole
key, and the chord's Redis counter counts each header task once (the installed Celery keeps
the members by task id, in one Lua script), so the rows equal a clean synchronous rollup.
The last test states what the settings must guarantee for that.

The worker is prefork with one pool process, and each commune task sleeps a little before
(or after) its work (tests/celery_crash.py), so a kill right after the first commune's rows
appear lands where the test means it to; the test checks that it did before it kills.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from celery.result import AsyncResult

from portal.scoping import scopes_disabled, tenant_scope
from reporting import tasks
from reporting.models import (
    CommuneRollup,
    IndicatorValue,
    ProvinceRollup,
    ReportingPeriod,
    ReportState,
    UnitReport,
)
from reporting.rollups.compute import rollup_run
from reporting.services.periods import reporting_periods_sync
from targets.models import Indicator
from tests.celery_crash import (  # noqa: F401
    SLOW_AFTER_ENV,
    SLOW_TASKS_ENV,
    VISIBILITY_TIMEOUT_ENV,
    CrashWorker,
    crash_worker_fixture,
)
from tests.celery_worker import REQUIRES_SERVICES
from tests.factories import CommuneFactory, PlanFactory, ProvinceFactory, TargetFactory, UnitFactory

COMMUNES = 6
YEAR, QUARTER = 2026, 2
COMMUNE_TASK = "reporting.commune_rollup"
CRASH_WORKER_ENV = {SLOW_TASKS_ENV: f"{COMMUNE_TASK}=0.75"}
# The test's stand-in for the broker's visibility timeout (production: see the last test).
TEST_VISIBILITY_TIMEOUT = 4

WORKER_TEST = [pytest.mark.worker, REQUIRES_SERVICES,
               pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _worker_test(test: Any) -> Any:
    for mark in reversed(WORKER_TEST):
        test = mark(test)
    return test


@dataclass
class Built:
    province_id: int
    commune_ids: list[int]


def _build() -> Built:
    """A province of six communes, two units each, accepted reports for Q1 and Q2 (in Q2 one
    unit of every other commune does not report), on a percentage and a count indicator."""
    with scopes_disabled():
        adults = Indicator.objects.get(commune__isnull=True, code="ADULTS_DIGITAL_SKILLS")
        news = Indicator.objects.get(commune__isnull=True, code="NEWS_ARTICLES")
        province: Any = ProvinceFactory(code="KT", name="Kiểm Thử")
        commune_ids = []
        for i in range(COMMUNES):
            commune: Any = CommuneFactory(province=province, code=f"kt-{i}", name=f"Thử {i}")
            commune_ids.append(commune.pk)
            plan: Any = PlanFactory(commune=commune)
            reporting_periods_sync(plan=plan)
            units: list[Any] = [UnitFactory(commune=commune, name=f"Đơn vị {i}.{j}") for j in range(2)]
            for indicator, value in ((adults, 80), (news, 300)):
                target: Any = TargetFactory(plan=plan, indicator=indicator, value=value)
                target.reporting_units.set(units)
            for quarter in (1, 2):
                period = ReportingPeriod.objects.get(plan=plan, year=YEAR, quarter=quarter)
                for j, unit in enumerate(units):
                    if quarter == 2 and j == 1 and i % 2:
                        continue
                    report = UnitReport.objects.create(period=period, unit=unit, state=ReportState.ACCEPTED)
                    IndicatorValue.objects.create(report=report, indicator=adults,
                                                  numerator=100 * (i + 1) + 10 * j + quarter, denominator=1000)
                    IndicatorValue.objects.create(report=report, indicator=news, value=5 * i + j + quarter)
    return Built(province_id=province.pk, commune_ids=commune_ids)


def _rows(built: Built) -> dict[str, list[tuple[Any, ...]]]:
    """Every rollup row of the province, without its id and its computed_at."""
    def values(model: Any, **filters: Any) -> list[tuple[Any, ...]]:
        fields = [f.attname for f in model._meta.concrete_fields if f.attname not in ("id", "computed_at")]
        return sorted(model.objects.filter(**filters).values_list(*fields))

    with scopes_disabled():
        return {"communes": values(CommuneRollup, commune_id__in=built.commune_ids),
                "province": values(ProvinceRollup, province_id=built.province_id)}


def _clean_rollup_then_forget_the_quarter(built: Built) -> dict[str, list[tuple[Any, ...]]]:
    """The expected rows from a clean synchronous rollup; then the quarter's rows are removed
    so that only the worker can bring them back (Q1 stays: Q2's year to date builds on it)."""
    with tenant_scope(built.commune_ids):
        for quarter in (1, QUARTER):
            rollup_run(year=YEAR, quarter=quarter, commune_ids=built.commune_ids)
    expected = _rows(built)
    assert len(expected["communes"]) == COMMUNES * 2 * 2 and len(expected["province"]) == 2 * 2
    with scopes_disabled():
        CommuneRollup.objects.filter(commune_id__in=built.commune_ids, year=YEAR, quarter=QUARTER).delete()
        ProvinceRollup.objects.filter(province_id=built.province_id, year=YEAR, quarter=QUARTER).delete()
    return expected


def _rolled_communes(built: Built) -> set[int]:
    with scopes_disabled():
        return set(CommuneRollup.objects.filter(commune_id__in=built.commune_ids, year=YEAR, quarter=QUARTER)
                   .values_list("commune_id", flat=True))


def _province_done(built: Built) -> bool:
    with scopes_disabled():
        return ProvinceRollup.objects.filter(province_id=built.province_id, year=YEAR, quarter=QUARTER).exists()


def _commune_task_in_flight(worker: CrashWorker, built: Built) -> dict[str, Any] | None:
    """Once a commune's rows are in, the commune task running now (started, not finished),
    provided the broker holds its message as delivered and unacknowledged."""
    rolled = _rolled_communes(built)
    if not rolled:
        return None
    for task in worker.active():
        commune_id = (task.get("kwargs") or {}).get("commune_ids", [None])[0]
        if task.get("name") == COMMUNE_TASK and commune_id not in rolled and task["id"] in worker.unacked():
            return task
    return None


def _start_province_rollup(worker: CrashWorker, built: Built) -> tuple[AsyncResult, dict[str, Any]]:
    result = tasks.province_rollup.delay(province_id=built.province_id, year=YEAR, quarter=QUARTER)
    victim = worker.wait_until(lambda: _commune_task_in_flight(worker, built),
                               what="a commune task in flight after the first commune's rows")
    return result, victim


def _succeeded(worker: CrashWorker, task_id: str) -> int:
    return worker.log().count(f"{COMMUNE_TASK}[{task_id}] succeeded in ")  # a run that returned


def _assert_exact_recovery(worker: CrashWorker, built: Built, result: AsyncResult, victim: dict[str, Any],
                           expected: dict[str, list[tuple[Any, ...]]], *, victim_runs: int = 1) -> None:
    # The killed task runs to the end (``victim_runs`` times in all), and the chord's body
    # writes the province rows.
    worker.wait_until(lambda: _succeeded(worker, victim["id"]) >= victim_runs and _province_done(built),
                      what=f"the killed task to succeed ({victim_runs}×) and the chord's body to run")
    # The chord completed through its own body, once, after every commune task reported once.
    body_id = result.get(timeout=30)
    assert AsyncResult(body_id).get(timeout=30) == 2  # two standard indicators combined
    assert worker.log().count("reporting.province_rollup_combine[") == 2  # received, succeeded: once
    assert _succeeded(worker, victim["id"]) == victim_runs
    assert _rolled_communes(built) == set(built.commune_ids)
    assert _rows(built) == expected
    # Every message ends acknowledged (the body's own acknowledgement follows its result).
    worker.wait_until(lambda: not worker.unacked(), what="every message to be acknowledged")


def _restart_after_an_outright_kill(worker: CrashWorker, victim: dict[str, Any]) -> None:
    worker.kill()
    # Nothing acknowledged the message and nothing handed it back: it waits in "unacked".
    assert victim["id"] in worker.unacked()
    worker.env[VISIBILITY_TIMEOUT_ENV] = str(TEST_VISIBILITY_TIMEOUT)
    worker.start()


def _received_by_restarted_worker(worker: CrashWorker, task_id: str) -> bool:
    restarted = worker.log().rsplit("===== worker start 2", 1)[1]
    return f"{COMMUNE_TASK}[{task_id}] received" in restarted


@_worker_test
def test_a_pool_process_killed_mid_task_is_redelivered_and_the_chord_completes_exactly(
        crash_worker: CrashWorker) -> None:
    built = _build()
    expected = _clean_rollup_then_forget_the_quarter(built)
    result, victim = _start_province_rollup(crash_worker, built)

    crash_worker.kill_pool_process(victim["worker_pid"])

    _assert_exact_recovery(crash_worker, built, result, victim, expected)
    log = crash_worker.log()
    assert "WorkerLostError" in log and "signal 9 (SIGKILL)" in log
    assert log.count(f"{COMMUNE_TASK}[{victim['id']}] received") == 2  # requeued at once, run again
    assert victim["worker_pid"] not in crash_worker.pool_pids()  # the parent forked a new one


@_worker_test
def test_a_worker_killed_outright_mid_task_is_recovered_after_a_restart(crash_worker: CrashWorker) -> None:
    built = _build()
    expected = _clean_rollup_then_forget_the_quarter(built)
    result, victim = _start_province_rollup(crash_worker, built)

    _restart_after_an_outright_kill(crash_worker, victim)
    assert not _province_done(built)  # the chord cannot complete without the lost commune

    _assert_exact_recovery(crash_worker, built, result, victim, expected)
    assert _received_by_restarted_worker(crash_worker, victim["id"])  # redelivered to the new worker


def _commune_task_done_not_acknowledged(worker: CrashWorker, built: Built) -> dict[str, Any] | None:
    """A commune task whose rows are written and whose completion the chord has counted, but
    whose message is not acknowledged yet (it sleeps in ``task_postrun``)."""
    rolled = _rolled_communes(built)
    for task in worker.active():
        commune_id = (task.get("kwargs") or {}).get("commune_ids", [None])[0]
        if task.get("name") == COMMUNE_TASK and commune_id in rolled and task["id"] in worker.unacked():
            return task
    return None


AFTER_THE_WORK = {SLOW_TASKS_ENV: "", SLOW_AFTER_ENV: f"{COMMUNE_TASK}=0.75"}


@_worker_test
@pytest.mark.parametrize("crash_worker", [AFTER_THE_WORK], indirect=True)
def test_a_pool_process_killed_after_the_work_is_not_run_again(crash_worker: CrashWorker) -> None:
    built = _build()
    expected = _clean_rollup_then_forget_the_quarter(built)
    result = tasks.province_rollup.delay(province_id=built.province_id, year=YEAR, quarter=QUARTER)
    victim = crash_worker.wait_until(lambda: _commune_task_done_not_acknowledged(crash_worker, built),
                                     what="a commune task done but not acknowledged")

    crash_worker.kill_pool_process(victim["worker_pid"])

    # Celery finds the stored success and acknowledges instead of requeueing: no second run,
    # no failure recorded against the chord.
    _assert_exact_recovery(crash_worker, built, result, victim, expected)
    log = crash_worker.log()
    assert f"{COMMUNE_TASK}[{victim['id']}] succeeded before the worker was lost" in log
    assert log.count(f"{COMMUNE_TASK}[{victim['id']}] received") == 1


@_worker_test
@pytest.mark.parametrize("crash_worker", [AFTER_THE_WORK], indirect=True)
def test_a_worker_killed_outright_after_the_work_runs_it_twice_and_counts_it_once(
        crash_worker: CrashWorker) -> None:
    built = _build()
    expected = _clean_rollup_then_forget_the_quarter(built)
    result = tasks.province_rollup.delay(province_id=built.province_id, year=YEAR, quarter=QUARTER)
    victim = crash_worker.wait_until(lambda: _commune_task_done_not_acknowledged(crash_worker, built),
                                     what="a commune task done but not acknowledged")

    _restart_after_an_outright_kill(crash_worker, victim)

    # The redelivered task replaces its commune's rows with the same rows; its second
    # completion is not counted again, so the body runs once, with exact figures.
    _assert_exact_recovery(crash_worker, built, result, victim, expected, victim_runs=2)
    assert _received_by_restarted_worker(crash_worker, victim["id"])


def test_the_broker_keeps_an_unacknowledged_task_long_enough_and_the_chord_longer() -> None:
    """What the redelivery after a lost worker relies on, from the project's Celery settings.

    The Redis transport hands an unacknowledged message to another worker after its
    visibility timeout (kombu's default, one hour, unless ``broker_transport_options`` set
    one). It must outlast the longest run of a task plus the longest retry countdown, or a
    task still running is handed out a second time; and the chord's counter in the result
    backend (``result_chord_expires``, else ``result_expires``) must outlast the visibility
    timeout, or a commune task redelivered after a crash reports to a counter that is gone
    and the province figures never come.
    """
    from kombu.transport.redis import Channel

    from config.celery import app
    from portal.tasks import TenantTask

    visibility = (app.conf.broker_transport_options or {}).get("visibility_timeout", Channel.visibility_timeout)
    rollup_tasks = [app.tasks[name] for name in (COMMUNE_TASK, "reporting.province_rollup_combine")]
    longest_run = max(task.time_limit or app.conf.task_time_limit for task in rollup_tasks)
    longest_countdown = TenantTask.retry_backoff_max  # jitter only ever shortens a countdown
    assert all(task.acks_late and task.reject_on_worker_lost for task in rollup_tasks)
    assert visibility > longest_run + longest_countdown
    chord_expires = app.conf.result_chord_expires or app.conf.result_expires
    if isinstance(chord_expires, timedelta):
        chord_expires = chord_expires.total_seconds()
    assert chord_expires > visibility + longest_run
