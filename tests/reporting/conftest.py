from __future__ import annotations

from datetime import date

import pytest

from portal.scoping import scopes_disabled
from reporting.models import ReportingPeriod, UnitReport
from reporting.services.unit_reports import unit_report_open
from tests.conftest import World
from tests.factories import TargetFactory, standard_indicator

# Q1 2026 of a default plan: opens 13/02, unit deadline 15/03, locks after 25/03.
IN_WINDOW = date(2026, 3, 10)


@pytest.fixture
def q1(world: World) -> ReportingPeriod:
    with scopes_disabled():
        # A count indicator too, so the report has a percentage and a number to fill.
        news = TargetFactory(plan=world.plan_a, indicator=standard_indicator("NEWS_ARTICLES"), value=300)
        news.reporting_units.set([world.unit_a])
        return ReportingPeriod.objects.get(plan=world.plan_a, year=2026, quarter=1)


@pytest.fixture
def report_a(world: World, q1: ReportingPeriod) -> UnitReport:
    with scopes_disabled():
        return unit_report_open(period=q1, unit=world.unit_a)  # the world's own, idempotent
