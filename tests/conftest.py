"""Shared fixtures: a small world with an owner, a member with less power, and outsiders.

Commune A and commune B share province P, so a leak across communes of one province shows;
province Q has its own commune C and reviewer, so a leak across provinces shows too.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client

from campaigns.models import Commune, Plan, Province, Task, Unit, UnitKind
from portal.access import Role
from portal.scoping import scopes_disabled
from reporting.models import ReportingPeriod, UnitReport
from reporting.services.periods import reporting_periods_sync
from reporting.services.unit_reports import unit_report_open
from targets.models import Target
from tests.factories import (
    PASSWORD,
    CommuneFactory,
    PlanFactory,
    ProvinceFactory,
    TargetFactory,
    TaskFactory,
    UnitFactory,
    member,
)

# Shared fixture modules (a quarter with accepted reports: tests.quarter).
pytest_plugins = ["tests.quarter"]

# Distinctive text that must never appear in a page served to an outsider.
SECRET_COMMUNE_NAME = "Bí Mật Tuyệt Đối"
SECRET_UNIT_NAME = "Tổ Ẩn Danh Số Một"


@dataclass
class World:
    province_p: Province
    province_q: Province
    commune_a: Commune
    commune_b: Commune
    commune_c: Commune
    unit_a: Unit
    unit_a2: Unit
    unit_b: Unit
    admin_a: User
    viewer_a: User
    reporter_a: User
    reporter_a2: User
    admin_b: User
    reviewer_p: User
    reviewer_q: User
    admin_c: User
    plan_a: Plan
    task_a: Task
    target_a: Target
    period_a: ReportingPeriod
    report_a: UnitReport


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Rate limits (login lockout) live in the cache: no test inherits another's."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def no_scope() -> Iterator[None]:
    with scopes_disabled():
        yield


@pytest.fixture
def world(db: None) -> World:
    with scopes_disabled():
        province_p = ProvinceFactory(code="PP", name="Phía Bắc")
        province_q = ProvinceFactory(code="QQ", name="Phía Nam")
        commune_a = CommuneFactory(province=province_p, code="xa-a", name=SECRET_COMMUNE_NAME)
        commune_b = CommuneFactory(province=province_p, code="xa-b", name="Bên Cạnh")
        commune_c = CommuneFactory(province=province_q, code="xa-c", name="Xa Xôi")
        unit_a = UnitFactory(commune=commune_a, name=SECRET_UNIT_NAME, kind=UnitKind.CDT_TEAM)
        unit_a2 = UnitFactory(commune=commune_a, name="Công an xã A", kind=UnitKind.POLICE)
        unit_b = UnitFactory(commune=commune_b, name="Công an xã B", kind=UnitKind.POLICE)
        plan_a = PlanFactory(commune=commune_a)
        task_a = TaskFactory(plan=plan_a, lead_unit=unit_a)
        target_a = TargetFactory(plan=plan_a)
        target_a.reporting_units.set([unit_a])
        reporting_periods_sync(plan=plan_a)
        period_a = ReportingPeriod.objects.get(plan=plan_a, year=2026, quarter=1)
        report_a = unit_report_open(period=period_a, unit=unit_a)
        return World(
            province_p=province_p,
            province_q=province_q,
            commune_a=commune_a,
            commune_b=commune_b,
            commune_c=commune_c,
            unit_a=unit_a,
            unit_a2=unit_a2,
            unit_b=unit_b,
            admin_a=member(Role.COMMUNE_ADMIN, commune=commune_a, username="admin_a"),
            viewer_a=member(Role.COMMUNE_VIEWER, commune=commune_a, username="viewer_a"),
            reporter_a=member(Role.UNIT_REPORTER, unit=unit_a, username="reporter_a"),
            reporter_a2=member(Role.UNIT_REPORTER, unit=unit_a2, username="reporter_a2"),
            admin_b=member(Role.COMMUNE_ADMIN, commune=commune_b, username="admin_b"),
            reviewer_p=member(Role.PROVINCE_REVIEWER, province=province_p, username="reviewer_p"),
            reviewer_q=member(Role.PROVINCE_REVIEWER, province=province_q, username="reviewer_q"),
            admin_c=member(Role.COMMUNE_ADMIN, commune=commune_c, username="admin_c"),
            plan_a=plan_a,
            task_a=task_a,
            target_a=target_a,
            period_a=period_a,
            report_a=report_a,
        )


def login(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def password() -> str:
    return PASSWORD
