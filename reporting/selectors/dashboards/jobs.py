"""How far a long job has got, read from what the job writes: no bookkeeping of its own.

A rollup recompute runs in Celery (a chain of quarters, or a chord of communes); its rows carry
``computed_at``, so "rows stamped after the request" is the job's progress, whatever worker ran
it and whether it ran in-process (the embedded default) or on a real queue. A job that shows no
progress for JOB_TIMEOUT_SECONDS is reported as such instead of being waited on for ever.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Max

from campaigns.models import Commune, Plan, Province
from reporting.models import CommuneRollup, ProvinceRollup
from reporting.rollups.compute import plans_for_year

# A rollup task's hard time limit is 300 s; past that (plus a busy queue) something went wrong.
JOB_TIMEOUT_SECONDS = 600
RUNNING, DONE, TIMEOUT = "running", "done", "timeout"


@dataclass(frozen=True)
class JobProgress:
    state: str  # RUNNING | DONE | TIMEOUT
    done: int  # steps finished (quarters of a plan, communes of a province)
    total: int
    finished_at: datetime | None = None

    @property
    def running(self) -> bool:
        return self.state == RUNNING


def _state(*, finished: bool, since: datetime, now: datetime) -> str:
    if finished:
        return DONE
    return TIMEOUT if now - since > timedelta(seconds=JOB_TIMEOUT_SECONDS) else RUNNING


def plan_rollup_progress(*, plan: Plan, year: int, quarters: list[int], since: datetime,
                         now: datetime) -> JobProgress:
    """The plan's recompute of ``quarters``: a quarter is done once its rows are stamped after
    ``since`` (one query)."""
    stamps = dict(CommuneRollup.objects.filter(plan=plan, year=year, quarter__in=quarters).order_by()
                  .values("quarter").annotate(last=Max("computed_at")).values_list("quarter", "last"))
    fresh = [stamps[q] for q in quarters if stamps.get(q) is not None and stamps[q] >= since]
    finished = len(fresh) == len(quarters)
    return JobProgress(state=_state(finished=finished, since=since, now=now), done=len(fresh), total=len(quarters),
                       finished_at=max(fresh) if finished and fresh else None)


def province_rollup_progress(*, province: Province, year: int, quarter: int, since: datetime,
                             now: datetime) -> JobProgress:
    """The province's recompute of a quarter: each commune's plan, then the province's combine,
    which runs last (four queries). A combine that found nothing to write finishes the job too."""
    commune_ids = list(Commune.objects.filter(province=province).values_list("pk", flat=True))
    plan_ids = plans_for_year(commune_ids=commune_ids, year=year)
    fresh_plans = (CommuneRollup.objects.filter(plan_id__in=plan_ids, year=year, quarter=quarter,
                                                computed_at__gte=since)
                   .order_by().values("plan_id").distinct().count())
    combined = ProvinceRollup.objects.filter(province=province, year=year, quarter=quarter).aggregate(
        last=Max("computed_at"), rows=Count("id"))
    last = combined["last"]
    finished = (last is not None and last >= since) or (combined["rows"] == 0 and fresh_plans == len(plan_ids))
    return JobProgress(state=_state(finished=finished, since=since, now=now), done=fresh_plans,
                       total=len(plan_ids), finished_at=(last or now) if finished else None)
