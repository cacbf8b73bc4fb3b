"""The status an indicator shows (targets.status): the rule, and its filter form."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D
from itertools import product

import pytest
from django.utils import timezone

from reporting.models import CommuneRollup, PeriodKind, ReportingPeriod
from reporting.selectors.rollups import unit_deadline_of
from targets.status import (
    NOT_DUE,
    STATUS_CODES,
    RollupStatus,
    shown_status,
    shown_status_filter,
    status_legend,
    status_of,
)
from tests.conftest import World
from tests.quarter import ADULTS, ind

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_scope")]


def test_before_the_deadline_or_without_reports_nothing_is_late() -> None:
    for stored in (RollupStatus.ON_TRACK, RollupStatus.AT_RISK, RollupStatus.OFF_TRACK, RollupStatus.NO_DATA):
        assert shown_status(stored=stored, units_reported=2, due=False) == NOT_DUE
        assert shown_status(stored=stored, units_reported=0, due=True) == RollupStatus.NO_DATA
    # A judgement on figures reported for a quarter that is due stands; a target reached is a fact.
    assert shown_status(stored=RollupStatus.OFF_TRACK, units_reported=1, due=True) == RollupStatus.OFF_TRACK
    assert shown_status(stored=RollupStatus.REACHED, units_reported=0, due=False) == RollupStatus.REACHED
    assert status_of(NOT_DUE).label == "Chưa đến hạn" and NOT_DUE in {s.code for s in status_legend()}


def test_the_filter_selects_the_rows_the_rule_shows(world: World) -> None:
    """Every stored status × reported or not × no period, deadline passed, today, ahead."""
    today = timezone.localdate()
    deadlines = (None, today - timedelta(days=1), today, today + timedelta(days=1))
    expected: dict[int, str] = {}
    for year, (stored, reported, deadline) in enumerate(product(RollupStatus.values, (0, 1), deadlines), start=1900):
        row = CommuneRollup.objects.create(
            plan=world.plan_a, commune=world.commune_a, indicator=ind(ADULTS), year=year, quarter=1,
            status=stored, units_reported=reported, units_expected=1, target=D(80), computed_at=timezone.now())
        if deadline is not None:
            ReportingPeriod.objects.create(plan=world.plan_a, kind=PeriodKind.QUARTERLY, year=year, quarter=1,
                                           title=f"Quý I năm {year}", opens_on=date(2000, 1, 1),
                                           unit_deadline=deadline, commune_deadline=deadline, locks_on=deadline)
        expected[row.pk] = shown_status(stored=stored, units_reported=reported,
                                        due=deadline is None or deadline < today)
    rows = CommuneRollup.objects.filter(pk__in=list(expected)).annotate(unit_deadline=unit_deadline_of())
    for code in STATUS_CODES:
        found = set(rows.filter(shown_status_filter(code, today=today)).values_list("pk", flat=True))
        assert found == {pk for pk, shown in expected.items() if shown == code}, code
