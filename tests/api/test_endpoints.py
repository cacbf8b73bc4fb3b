"""The API per role and per tenant, its filters, pagination and exports, and the reviewer's
decisions on a commune report."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO
from typing import Any

import pytest
from django.core import mail
from django.http import StreamingHttpResponse
from django.utils import timezone
from openpyxl import load_workbook

from campaigns.models import AuditEntry
from reporting.models import CommuneReportState, CommuneReportTransition, CommuneRollup, UnitReport
from tests.api.conftest import api_client
from tests.conftest import World
from tests.quarter import ADULTS, Quarter, issue, open_report

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_scope", "media")]


def results(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


# --- Scope and roles --------------------------------------------------------------------------


def test_a_reviewer_reads_every_commune_of_their_province_and_nothing_else(world: World) -> None:
    client = api_client(world.reviewer_p)
    assert sorted(c["code"] for c in results(client.get("/api/v1/communes/"))) == ["xa-a", "xa-b"]
    assert client.get("/api/v1/communes/xa-c/").status_code == 404
    assert client.get("/api/v1/provinces/QQ/").status_code == 404
    assert [p["code"] for p in client.get("/api/v1/provinces/").json()] == ["PP"]
    # Filtering by another province is not a way out of the scope.
    assert results(client.get("/api/v1/communes/?province=QQ")) == []
    assert results(api_client(world.reviewer_q).get("/api/v1/plans/")) == []


def test_foreign_and_missing_objects_answer_the_same_404(world: World) -> None:
    client = api_client(world.admin_c)
    foreign = client.get(f"/api/v1/plans/{world.plan_a.pk}/")
    missing = client.get("/api/v1/plans/987654/")
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()
    assert "Plan" not in foreign.content.decode()


def test_a_reporter_sees_their_own_units_reports_only(world: World) -> None:
    other = UnitReport.objects.create(period=world.period_a, unit=world.unit_a2)
    mine = results(api_client(world.reporter_a).get("/api/v1/unit-reports/"))
    assert [r["id"] for r in mine] == [world.report_a.pk]
    assert api_client(world.reporter_a).get(f"/api/v1/unit-reports/{other.pk}/").status_code == 404
    assert [u["id"] for u in results(api_client(world.reporter_a).get("/api/v1/units/"))] == [world.unit_a.pk]
    # Commune-wide figures are not a reporter's: 403 on the list, as the pages refuse them.
    assert api_client(world.reporter_a).get("/api/v1/rollups/communes/").status_code == 403
    assert api_client(world.reporter_a).get("/api/v1/commune-reports/").status_code == 403


def test_province_rollups_are_for_reviewers(world: World) -> None:
    assert api_client(world.admin_a).get("/api/v1/rollups/provinces/").status_code == 403
    assert api_client(world.reviewer_p).get("/api/v1/rollups/provinces/").status_code == 200


def test_a_plan_comes_whole(world: World) -> None:
    plan = api_client(world.viewer_a).get(f"/api/v1/plans/{world.plan_a.pk}/").json()
    assert plan["commune"] == "xa-a"
    assert [t["id"] for t in plan["tasks"]] == [world.task_a.pk]
    assert plan["targets"][0]["indicator"] == world.target_a.indicator.code
    assert {"sections", "legal_bases", "recipients", "signer_name"} <= set(plan)


# --- Filters, pagination, exports -------------------------------------------------------------


def test_filters_by_year_quarter_state_and_updated_since(world: World) -> None:
    client = api_client(world.reviewer_p)
    assert [r["id"] for r in results(client.get("/api/v1/unit-reports/?year=2026&quarter=1&state=draft"))] == [
        world.report_a.pk]
    assert results(client.get("/api/v1/unit-reports/?quarter=2")) == []
    assert results(client.get("/api/v1/unit-reports/?state=accepted")) == []
    future = (timezone.now() + timedelta(hours=1)).isoformat()
    assert results(client.get("/api/v1/unit-reports/", {"updated_since": future})) == []
    past = (timezone.now() - timedelta(hours=1)).isoformat()
    assert len(results(client.get("/api/v1/unit-reports/", {"updated_since": past}))) == 1


def test_a_bad_filter_is_a_400_in_vietnamese_never_a_500(world: World) -> None:
    client = api_client(world.reviewer_p)
    response = client.get("/api/v1/unit-reports/?year=hai-nghin&state=khong-co&updated_since=hom-qua")
    assert response.status_code == 400
    errors = response.json()
    assert set(errors) == {"year", "state", "updated_since"}
    assert any("hợp lệ" in message for messages in errors.values() for message in messages)
    assert client.get("/api/v1/completeness/?quarter=5").status_code == 400
    assert client.get("/api/v1/unit-reports/?cursor=rac").status_code == 404  # DRF: an invalid cursor


def test_cursor_pages_are_stable_and_complete(world: World) -> None:
    from tests.factories import UnitFactory

    for number in range(7):
        UnitFactory(commune=world.commune_a, name=f"Thôn số {number}")
    client = api_client(world.admin_a)
    seen: list[int] = []
    url: str | None = "/api/v1/units/?page_size=3"
    while url:
        page = client.get(url).json()
        seen += [u["id"] for u in page["results"]]
        url = page["next"]
        assert len(page["results"]) <= 3
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == 9


def test_a_list_exports_to_excel_unpaged(world: World) -> None:
    response = api_client(world.reviewer_p).get("/api/v1/unit-reports/?format=xlsx&page_size=1")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Mã báo cáo", "Xã/phường", "Đơn vị")
    assert rows[1][0] == world.report_a.pk and rows[1][1] == "xa-a"


def test_an_error_asked_as_excel_answers_in_json(world: World) -> None:
    response = api_client(world.reporter_a).get("/api/v1/rollups/communes/?format=xlsx")
    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/json")


# --- Figures: rollups and completeness ---------------------------------------------------------


def test_rollups_and_completeness_are_the_stored_figures(quarter: Quarter) -> None:
    world = quarter.world
    client = api_client(world.reviewer_p)
    rows = results(client.get(f"/api/v1/rollups/communes/?year=2026&quarter=1&indicator={ADULTS}"))
    stored = CommuneRollup.objects.get(plan=world.plan_a, year=2026, quarter=1, indicator__code=ADULTS)
    assert len(rows) == 1
    row = rows[0]
    assert row["commune"] == "xa-a" and row["status"] == stored.status
    assert row["value"] == f"{stored.value:.4f}" and row["units_reported"] == stored.units_reported
    completeness = {r["commune"]: r for r in client.get("/api/v1/completeness/?year=2026&quarter=1").json()}
    assert set(completeness) == {"xa-a", "xa-b"}
    assert completeness["xa-a"]["received"] == 2 and completeness["xa-a"]["expected"] == 3
    assert completeness["xa-a"]["completeness"] == pytest.approx(66.7)


# --- A reviewer's decisions on a commune report ------------------------------------------------


def test_the_reviewer_downloads_the_issued_pdf(quarter: Quarter) -> None:
    report = issue(quarter)
    response = api_client(quarter.world.reviewer_p).get(f"/api/v1/commune-reports/{report.pk}/document.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert isinstance(response, StreamingHttpResponse)
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert api_client(quarter.world.reviewer_q).get(
        f"/api/v1/commune-reports/{report.pk}/document.pdf").status_code == 404


def test_the_reviewer_acknowledges_an_issued_report(quarter: Quarter, committed: Any) -> None:
    world = quarter.world
    report = issue(quarter)
    mail.outbox.clear()
    with committed():
        response = api_client(world.reviewer_p).post(
            f"/api/v1/commune-reports/{report.pk}/acknowledge/", {"version": report.version}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == CommuneReportState.ACKNOWLEDGED
    assert body["history"][-1]["actor"] == world.reviewer_p.username
    report.refresh_from_db()
    assert report.state == CommuneReportState.ACKNOWLEDGED
    assert [m.to for m in mail.outbox] == [[world.admin_a.email]]
    # Visible to the commune, in the API as on its pages.
    mine = results(api_client(world.admin_a).get("/api/v1/commune-reports/"))
    assert mine[0]["state"] == CommuneReportState.ACKNOWLEDGED


def test_returning_needs_a_reason_and_the_current_version(quarter: Quarter, committed: Any) -> None:
    world = quarter.world
    report = issue(quarter)
    client = api_client(world.reviewer_p)
    url = f"/api/v1/commune-reports/{report.pk}/return/"
    no_reason = client.post(url, {"version": report.version}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()
    stale = client.post(url, {"version": report.version - 1, "reason": "Thiếu số liệu"}, format="json")
    assert stale.status_code == 409
    mail.outbox.clear()
    with committed():
        done = client.post(url, {"version": report.version, "reason": "Thiếu số liệu thôn Một"}, format="json")
    assert done.status_code == 200
    report.refresh_from_db()
    assert report.state == CommuneReportState.RETURNED
    transition = CommuneReportTransition.objects.get(report=report, to_state=CommuneReportState.RETURNED)
    assert transition.reason == "Thiếu số liệu thôn Một" and transition.actor == world.reviewer_p
    assert "Thiếu số liệu thôn Một" in mail.outbox[0].body
    assert AuditEntry.objects.filter(commune=world.commune_a, target_id=report.pk).exists()
    # A decision on a report that is no longer issued is refused, not a 500.
    again = client.post(f"/api/v1/commune-reports/{report.pk}/acknowledge/", {"version": report.version},
                        format="json")
    assert again.status_code == 400


def test_only_the_reviewer_of_the_province_decides(quarter: Quarter) -> None:
    world = quarter.world
    report = issue(quarter)
    url = f"/api/v1/commune-reports/{report.pk}/acknowledge/"
    data = {"version": report.version}
    assert api_client(world.admin_a).post(url, data, format="json").status_code == 403
    assert api_client(world.viewer_a).post(url, data, format="json").status_code == 403
    assert api_client(world.reporter_a).post(url, data, format="json").status_code == 404
    assert api_client(world.reviewer_q).post(url, data, format="json").status_code == 404
    assert api_client(world.admin_b).post(url, data, format="json").status_code == 404
    report.refresh_from_db()
    assert report.state == CommuneReportState.ISSUED


def test_a_draft_cannot_be_acknowledged(quarter: Quarter) -> None:
    report = open_report(quarter)
    response = api_client(quarter.world.reviewer_p).post(
        f"/api/v1/commune-reports/{report.pk}/acknowledge/", {"version": report.version}, format="json")
    assert response.status_code == 400
    assert "ban hành" in str(response.json())


def test_the_browser_session_works_too_with_csrf_on_writes(quarter: Quarter) -> None:
    from rest_framework.test import APIClient

    report = issue(quarter)
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(quarter.world.reviewer_p)
    assert client.get("/api/v1/commune-reports/").status_code == 200
    refused = client.post(f"/api/v1/commune-reports/{report.pk}/acknowledge/", {"version": report.version},
                          format="json")
    assert refused.status_code == 403  # no CSRF token: a page on another site cannot decide


def test_a_browser_session_reads_the_api_in_the_scope_the_pages_resolved(world: World) -> None:
    """With a session the API reuses the access the web middleware resolved for the same user
    (read once per request), so a reviewer sees their province and a commune admin their commune."""
    from unittest import mock

    from rest_framework.test import APIClient

    import campaigns.api.base as base
    import campaigns.middleware as middleware
    import campaigns.selectors.access as access_module

    for user, expected in ((world.reviewer_p, ["xa-a", "xa-b"]), (world.admin_c, ["xa-c"])):
        client = APIClient()
        client.force_login(user)
        with mock.patch.object(base, "resolve_access", wraps=access_module.resolve_access) as api_side, \
                mock.patch.object(middleware, "resolve_access", wraps=access_module.resolve_access) as web_side:
            rows = results(client.get("/api/v1/communes/"))
        assert sorted(c["code"] for c in rows) == expected
        assert (web_side.call_count, api_side.call_count) == (1, 0)


def test_rollup_status_is_the_status_the_pages_show(world: World) -> None:
    """Issue 13: a quarter before its unit deadline is "not_due" in the API as on the pages,
    though the stored judgement says off track; a quarter past it keeps its judgement."""
    from tests import rollup_data as data

    data.deadlines(world.plan_a, passed=(1, 2, 3), next_in=8)
    data.report(world.unit_a, data.period(world.plan_a, 1), adults=(100, 1000))
    data.report(world.unit_a, data.period(world.plan_a, 4), adults=(200, 1000))
    data.roll(world.province_p, quarters=(1, 2, 3, 4))
    stored = dict(CommuneRollup.objects.filter(plan=world.plan_a, indicator__code=ADULTS)
                  .values_list("quarter", "status"))
    assert stored[1] == stored[4] == "off_track"
    rows = results(api_client(world.admin_a).get(f"/api/v1/rollups/communes/?year=2026&indicator={ADULTS}"))
    shown = {row["quarter"]: row["status"] for row in rows}
    assert shown == {1: "off_track", 2: "no_data", 3: "no_data", 4: "not_due"}
    assert results(api_client(world.admin_a).get(
        f"/api/v1/rollups/communes/?year=2026&quarter=4&indicator={ADULTS}"))[0]["status"] == "not_due"


def test_rollup_status_filter_follows_the_shown_status(world: World) -> None:
    from tests import rollup_data as data

    data.deadlines(world.plan_a, passed=(1, 2, 3), next_in=8)
    data.report(world.unit_a, data.period(world.plan_a, 1), adults=(100, 1000))
    data.report(world.unit_a, data.period(world.plan_a, 4), adults=(200, 1000))
    data.roll(world.province_p, quarters=(1, 2, 3, 4))
    client = api_client(world.admin_a)
    url = f"/api/v1/rollups/communes/?year=2026&indicator={ADULTS}&status="
    assert [row["quarter"] for row in results(client.get(url + "not_due"))] == [4]
    assert sorted(row["quarter"] for row in results(client.get(url + "no_data"))) == [2, 3]
    assert [row["quarter"] for row in results(client.get(url + "off_track"))] == [1]
    assert client.get(url + "late").status_code == 400
