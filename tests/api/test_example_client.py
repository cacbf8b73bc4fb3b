"""docs/examples/province_quarter_csv.py against a live server, as a province reviewer runs it:
a subprocess with a real personal token. The CSV must hold exactly the stored rollup rows of the
province's quarter (and a row for a commune without figures), the PDF the issued one."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from portal.scoping import scopes_disabled
from reporting import tasks
from reporting.models import CommuneReport, CommuneRollup, DocumentKind, RenderedDocument
from tests.api.conftest import token_for
from tests.quarter import Quarter, issue

# A live server needs committed data; the migrations' indicator library comes back after each
# test (serialized_rollback), the next test's world needs it.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SCRIPT = Path(__file__).resolve().parents[2] / "docs" / "examples" / "province_quarter_csv.py"


@dataclass
class Setting:
    quarter: Quarter
    report: CommuneReport
    token: str
    url: str
    tmp: Path


@pytest.fixture
def setting(request: pytest.FixtureRequest, live_server: Any, tmp_path: Path) -> Setting:
    """Commune A's quarter with its consolidated report issued (and its PDF rendered), commune B
    of the same province without a plan, commune C in another province."""
    request.getfixturevalue("media")
    with scopes_disabled():
        quarter: Quarter = request.getfixturevalue("quarter")
        report = issue(quarter)
        token = token_for(quarter.world.reviewer_p)
    return Setting(quarter=quarter, report=report, token=token, url=live_server.url, tmp=tmp_path)


def run(setting: Setting, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BDH_API_TOKEN": setting.token, "NO_PROXY": "*"}
    return subprocess.run(  # noqa: S603 (our own script, our own arguments)
        [sys.executable, str(SCRIPT), "--base-url", setting.url, "--province", "PP", "--year", "2026",
         "--quarter", "1", "--out", str(setting.tmp / "tinh.csv"), *args],
        env=env, capture_output=True, text=True, timeout=120, check=False)


def csv_rows(setting: Setting) -> list[dict[str, str]]:
    with (setting.tmp / "tinh.csv").open(encoding="utf-8-sig", newline="") as source:
        return list(csv.DictReader(source))


def figure(text: str) -> Decimal | None:
    return Decimal(text) if text else None


def stored_pdf(report: CommuneReport) -> bytes:
    with scopes_disabled():
        document = RenderedDocument.objects.get(kind=DocumentKind.COMMUNE_REPORT, object_id=report.pk)
        with document.file.open("rb") as stored:
            return stored.read()


def test_the_csv_holds_the_stored_rollups_of_every_commune_of_the_province(setting: Setting) -> None:
    # Two rows a page: the script must follow the cursor's next links to get them all.
    done = run(setting, "--page-size", "2", "--pdf-dir", str(setting.tmp / "pdf"))
    assert done.returncode == 0, done.stderr

    rows = csv_rows(setting)
    with scopes_disabled():
        stored = list(CommuneRollup.objects.filter(commune__province__code="PP", year=2026, quarter=1)
                      .select_related("commune", "indicator").order_by("id"))
    assert len(stored) == 3  # commune A's three indicators
    figures = [r for r in rows if r["indicator"]]
    assert [(r["commune"], r["indicator"]) for r in figures] == [(s.commune.code, s.indicator.code) for s in stored]
    for row, rollup in zip(figures, stored, strict=True):
        assert (figure(row["value"]), figure(row["ytd"]), figure(row["target"]), figure(row["expected"]),
                figure(row["achievement"])) == (rollup.value, rollup.ytd_value, rollup.target, rollup.expected,
                                                rollup.achievement)
        assert (row["status"], int(row["units_reported"]), int(row["units_expected"])) == (
            rollup.status, rollup.units_reported, rollup.units_expected)
        assert row["commune_name"] == rollup.commune.official_name
        # Completeness of the commune: 2 of the 3 expected unit reports received, both on time.
        assert (row["reports_expected"], row["reports_received"], row["completeness"]) == ("3", "2", "66.7")

    # Commune B has no figures yet: still a row, so the province sees it is missing.
    assert [(r["commune"], r["indicator"], r["completeness"]) for r in rows if not r["indicator"]] == [
        ("xa-b", "", "")]
    assert "xa-c" not in {r["commune"] for r in rows}  # another province's commune

    assert (setting.tmp / "pdf" / "xa-a-2026-q1.pdf").read_bytes() == stored_pdf(setting.report)


@pytest.fixture
def rendering_later(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Callable[[bool], list[dict[str, Any]]]:
    """The PDF is made by a worker: the API answers 202 until it is there. ``renders`` says
    whether the (stand-in) worker renders the file once enqueued, or never gets to it."""
    settings.CELERY_TASK_ALWAYS_EAGER = False

    def install(renders: bool) -> list[dict[str, Any]]:
        enqueued: list[dict[str, Any]] = []

        def delay(**kwargs: Any) -> None:
            enqueued.append(kwargs)
            if renders:
                tasks.render_document.apply(kwargs=kwargs)

        monkeypatch.setattr(tasks.render_document, "delay", delay)
        return enqueued

    return install


def _forget_pdf(report: CommuneReport) -> None:
    with scopes_disabled():
        RenderedDocument.objects.filter(kind=DocumentKind.COMMUNE_REPORT, object_id=report.pk).delete()


def test_the_pdf_is_fetched_again_after_202_retry_after(setting: Setting, rendering_later: Any) -> None:
    enqueued = rendering_later(True)
    _forget_pdf(setting.report)
    done = run(setting, "--pdf-dir", str(setting.tmp / "pdf"), "--max-wait", "0")
    assert done.returncode == 0, done.stderr
    assert [e["object_id"] for e in enqueued] == [setting.report.pk]  # first answer: 202, render enqueued
    assert (setting.tmp / "pdf" / "xa-a-2026-q1.pdf").read_bytes() == stored_pdf(setting.report)


def test_a_pdf_still_being_made_is_reported_and_the_csv_kept(setting: Setting, rendering_later: Any) -> None:
    enqueued = rendering_later(False)
    _forget_pdf(setting.report)
    done = run(setting, "--pdf-dir", str(setting.tmp / "pdf"), "--max-wait", "0", "--attempts", "3")
    assert done.returncode == 2, done.stderr
    assert "đang được tạo" in done.stderr
    assert len(enqueued) == 1  # asked three times, enqueued once
    assert not (setting.tmp / "pdf" / "xa-a-2026-q1.pdf").exists()
    assert {r["commune"] for r in csv_rows(setting)} == {"xa-a", "xa-b"}


def test_a_wrong_token_is_a_clear_error(setting: Setting) -> None:
    setting.token = "bdh_" + "x" * 43
    done = run(setting)
    assert done.returncode == 1
    assert "401" in done.stderr and "Mã truy cập không hợp lệ" in done.stderr
    assert not (setting.tmp / "tinh.csv").exists()
