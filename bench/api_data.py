"""The API benchmark's data (bench/api_bench.py): its own PostgreSQL database, the nation
seeded with ``reporting.synthetic``, both quarters' rollups, every commune's consolidated
reports, and the province reviewer with a fresh personal token.

Django is imported inside the functions: the benchmark sets the settings' environment from
its command line before it sets Django up."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import unquote, urlsplit

from bench.common import log, server_connection, vacuum_analyze

PREFIX = "api"
YEAR, QUARTER = 2026, 2
QUARTERS = 2
UNITS, INDICATORS = 30, 20
# 34 provinces, 3,321 communes; the last is the largest the design plans for (168).
NATION = [96] * 18 + [95] * 15 + [168]
REVIEWER = "api-bench-reviewer"


def database_create(url: str) -> None:
    parts = urlsplit(url)
    name = unquote(parts.path.lstrip("/"))
    if not name or name in ("postgres", "template0", "template1"):
        raise SystemExit(f"--database-url must name the benchmark's own database, not {name!r}")
    conn = server_connection(url)
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                log(f"creating database {name}")
                cursor.execute(f'CREATE DATABASE "{name}"')
    finally:
        conn.close()


def data_prepare(*, reseed: bool) -> dict[str, Any]:
    """Migrate; seed and roll up unless the data is already there; the reviewer and a token."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    from campaigns.models import ApiToken, Commune, Membership, Province
    from campaigns.services.api_tokens import api_token_create
    from portal.access import Role
    from portal.scoping import scopes_disabled
    from reporting.models import CommuneReport, CommuneRollup, UnitReport
    from reporting.synthetic import province_code

    log("migrating")
    call_command("migrate", interactive=False, verbosity=0)
    largest = len(NATION)
    with scopes_disabled():
        seeded = (Commune.objects.filter(province__code__startswith=PREFIX).count() == sum(NATION)
                  and Province.objects.filter(code=province_code(PREFIX, largest)).exists()
                  and all(UnitReport.objects.filter(period__year=YEAR, period__quarter=q,
                                                    unit__commune__province__code=province_code(PREFIX, largest))
                          .exists() for q in range(1, QUARTERS + 1)))
        rolled = seeded and all(CommuneRollup.objects.filter(year=YEAR, quarter=q).exists()
                                for q in range(1, QUARTERS + 1))
    if reseed or not seeded:
        _seed()
    if reseed or not rolled:
        _rollups()
    with scopes_disabled():
        reported = seeded and CommuneReport.objects.filter(period__year=YEAR, period__quarter=QUARTER).exists()
    if reseed or not reported:
        _commune_reports()
    if reseed or not seeded or not rolled or not reported:
        log("VACUUM ANALYZE")
        vacuum_analyze()
    else:
        log("reusing the seeded data (--reseed rebuilds it)")

    with scopes_disabled():
        province = Province.objects.get(code=province_code(PREFIX, largest))
        communes = list(Commune.objects.filter(province=province).order_by("code").values_list("code", flat=True))
        user, _created = get_user_model().objects.get_or_create(
            username=REVIEWER, defaults={"email": "api-bench@example.invalid"})
        Membership.objects.update_or_create(user=user, defaults={
            "role": Role.PROVINCE_REVIEWER, "province": province, "commune": None, "unit": None})
        ApiToken.objects.filter(user=user).delete()
        secret = api_token_create(user=user, name="API load benchmark", days=1).secret
        reports = UnitReport.objects.filter(unit__commune__province=province, period__year=YEAR,
                                            period__quarter=QUARTER).count()
        rollups = CommuneRollup.objects.filter(commune__province=province, year=YEAR, quarter=QUARTER).count()
        total_values = _count("reporting_indicatorvalue")
        summary = (f"{Province.objects.filter(code__startswith=PREFIX).count()} provinces, "
                   f"{Commune.objects.filter(province__code__startswith=PREFIX).count():,} communes × {UNITS} units × "
                   f"{INDICATORS} indicators, {QUARTERS} quarters of {YEAR}: {total_values:,} indicator values, "
                   f"{_count('reporting_communerollup'):,} commune rollup rows")
    with connection.cursor() as cursor:
        cursor.execute("SELECT split_part(version(), ' ', 2), current_setting('shared_buffers'), "
                       "current_setting('work_mem')")
        version, shared_buffers, work_mem = cursor.fetchone()
    return {"province_code": province.code, "communes": len(communes),
            # A commune from the middle of the province for the filtered rollups.
            "commune_code": communes[len(communes) // 2], "secret": secret, "reports": reports,
            "rollups": rollups, "summary": summary,
            "postgres": f"PostgreSQL {version} (shared_buffers {shared_buffers}, work_mem {work_mem})"}


def _count(table: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 - a fixed table name
        return int(cursor.fetchone()[0])


def _seed() -> None:
    from reporting.synthetic import SyntheticSpec, synthetic_data_generate

    spec = SyntheticSpec(provinces=len(NATION), communes=NATION, units=UNITS, indicators=INDICATORS,
                         quarters=QUARTERS, year=YEAR, prefix=PREFIX)
    log(f"seeding {sum(NATION):,} communes × {UNITS} units × {INDICATORS} indicators × {QUARTERS} quarters "
        "(about 3 minutes)")
    started = time.perf_counter()
    summary = synthetic_data_generate(spec=spec, progress=log)
    log(f"seeded {summary.values:,} values in {time.perf_counter() - started:.0f} s")


def _rollups() -> None:
    """What ``manage.py rollup --year Y --quarter Q`` runs, for the nation, Q1 then Q2."""
    from campaigns.models import Commune
    from portal.scoping import scopes_disabled, tenant_scope
    from reporting.rollups.compute import rollup_run

    with scopes_disabled():
        commune_ids = list(Commune.objects.order_by("pk").values_list("pk", flat=True))
    for quarter in range(1, QUARTERS + 1):
        log(f"rollup {YEAR} Q{quarter} for {len(commune_ids):,} communes")
        started = time.perf_counter()
        with tenant_scope(commune_ids):
            summary = rollup_run(year=YEAR, quarter=quarter, commune_ids=commune_ids)
        log(f"  {time.perf_counter() - started:.0f} s: {summary}")


def _commune_reports() -> None:
    """Every commune's consolidated report of each quarter (synthetic data has none): drafts,
    and a third issued with a number, a date and a signer, as the PDF benchmark makes them."""
    from django.utils import timezone

    from portal.scoping import scopes_disabled
    from reporting.models import CommuneReport, CommuneReportState, PeriodKind, ReportingPeriod

    with scopes_disabled():
        periods = list(ReportingPeriod.objects.filter(plan__commune__province__code__startswith=PREFIX, year=YEAR,
                                                      kind=PeriodKind.QUARTERLY, commune_reports=None)
                       .select_related("plan").order_by("pk"))
        log(f"commune reports: {len(periods):,}")
        now = timezone.now()
        CommuneReport.objects.bulk_create([
            CommuneReport(period=period, commune_id=period.plan.commune_id, number=f"{n:02d}" if n % 3 == 0 else "",
                          state=CommuneReportState.ISSUED if n % 3 == 0 else CommuneReportState.DRAFT,
                          place=period.plan.place, title=f"Kết quả thực hiện quý {period.quarter} năm {YEAR}",
                          issue_date=period.commune_deadline if n % 3 == 0 else None,
                          signer_position="Phó Chủ tịch", signer_name="Nguyễn Văn Hòa",
                          recipients=["Sở Khoa học và Công nghệ", "Lưu: VT"], issued_at=now if n % 3 == 0 else None)
            for n, period in enumerate(periods, start=1)], batch_size=2000)

