"""The PDF benchmark (issue 6): time and peak memory to render each kind of official document.

Run from the repository root: ``.venv/bin/python -m bench pdf [--repeat 3]`` (or
``python -m bench.pdf_bench``). It needs no server: the data goes into a throw-away SQLite
database in a temporary directory (``--database-url`` names a PostgreSQL database instead,
which the benchmark migrates and fills with its own synthetic prefixes). Measured:

1. the four seed plans (``load_demo``);
2. a commune's consolidated quarterly report over a full quarter: every unit's report
   accepted with a value for every indicator and the progress of every task it leads or
   coordinates, the rollups computed, a chart per key indicator — a typical commune (30 units,
   20 indicators, 40 tasks) and the largest the design plans for (60 units, 30 indicators,
   80 tasks);
3. the province summary for provinces of 42, 84 and 168 communes (168 is the largest
   province): seconds per page, which is flat when the time is linear in the pages.

Data is built with reporting.synthetic and the services before anything is timed. Each
document renders in a child process of its own, inside the tenant scope its Celery task would
enter, so the peak resident memory the kernel reports for that child (``wait4`` rusage, which
counts Pango's and HarfBuzz's C allocations too) belongs to that document alone; an idle child
(Django set up, WeasyPrint imported, nothing rendered) gives the baseline. Each render is
split into its phases: data (the selectors and the data version), HTML (the template) and PDF
(WeasyPrint's layout and writing).

The figures are printed and written to bench/results-pdf.txt. The exit status is 1 when a
target is missed: a consolidated report under 1.5 s, the 168-commune province summary under
15 s and 400 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from bench.common import REPO_ROOT

RESULTS = Path(__file__).resolve().parent / "results-pdf.txt"
YEAR = 2026
COMMUNE_TARGET_S = 1.5
PROVINCE_TARGET_S = 15.0
PROVINCE_TARGET_MB = 400.0
PROVINCE_SIZES = (42, 84, 168)


@dataclass(frozen=True)
class CommuneCase:
    label: str
    prefix: str
    units: int
    indicators: int
    tasks: int
    quarter: int  # the report's quarter; every quarter from Q1 to it carries data
    # Held to COMMUNE_TARGET_S: the mid-range commune of DESIGN.md (10–60 units, 10–30
    # indicators, 20–80 tasks). The largest has every dimension at its maximum at once and is
    # measured to show how the time grows with the pages.
    target: bool


COMMUNE_CASES = (
    CommuneCase("typical", "pdfc", units=30, indicators=20, tasks=40, quarter=2, target=True),
    CommuneCase("largest", "pdfl", units=60, indicators=30, tasks=80, quarter=4, target=False),
)
PROVINCE_PREFIX = "pdfp"
PROVINCE_UNITS = 30
PROVINCE_INDICATORS = 20
PROVINCE_QUARTER = 2


def _setup_django(workdir: Path, database_url: str | None) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["MEDIA_ROOT"] = str(workdir / "media")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(REPO_ROOT))
    import django

    django.setup()


# --- Data ----------------------------------------------------------------------------------


def _prepare(workdir: Path, database_url: str | None, sizes: tuple[int, ...], parts: set[str],
             say: Callable[[str], None]) -> dict[str, list[dict[str, Any]]]:
    """Migrate, load the seed plans and the synthetic data; list what to render."""
    _setup_django(workdir, database_url)
    from django.core.management import call_command

    from campaigns.models import Plan
    from portal.scoping import scopes_disabled
    from reporting.models import DocumentKind

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    with open(os.devnull, "w") as devnull:
        call_command("load_demo", stdout=devnull)
    with scopes_disabled():
        plans = [{"kind": DocumentKind.PLAN, "id": p.pk, "label": p.commune.code,
                  "profile": "party" if p.issuer_kind == "dang_uy" else "state"}
                 for p in Plan.objects.select_related("commune").order_by("commune__code")]
    say(f"seed plans loaded ({time.perf_counter() - started:.0f} s)")
    communes, provinces = [], []
    for case in COMMUNE_CASES if "communes" in parts else ():
        started = time.perf_counter()
        communes.append(_commune_case(case))
        say(f"commune “{case.label}” built ({time.perf_counter() - started:.0f} s)")
    if "provinces" in parts:
        started = time.perf_counter()
        provinces = _province_cases(sizes)
        say(f"provinces of {', '.join(map(str, sizes))} communes built ({time.perf_counter() - started:.0f} s)")
    return {"plans": plans, "communes": communes, "provinces": provinces}


def _commune_case(case: CommuneCase) -> dict[str, Any]:
    """One synthetic commune, its tasks and their progress in every accepted report, the
    rollups of each quarter and the consolidated report's draft with its narrative."""
    from campaigns.models import Plan, Task, TaskCoordinator, TaskDeliverable, Unit
    from portal.scoping import scopes_disabled
    from reporting.models import DocumentKind, ReportingPeriod, TaskProgress, TaskStatus, UnitReport
    from reporting.rollups.compute import rollup_run
    from reporting.services import commune_reports as consolidated
    from reporting.synthetic import SyntheticSpec, commune_code, synthetic_data_generate

    with scopes_disabled():
        # A rerun on the same database (--database-url): the synthetic generator replaces its
        # prefix's communes but knows nothing of tasks, whose units are protected from deletion.
        Task.objects.filter(plan__commune__code__startswith=f"{case.prefix}-").delete()
    synthetic_data_generate(spec=SyntheticSpec(provinces=1, communes=1, units=case.units,
                                               indicators=case.indicators, quarters=case.quarter,
                                               year=YEAR, prefix=case.prefix))
    rng = random.Random(case.units * 1_000 + case.tasks)  # noqa: S311 - synthetic figures
    with scopes_disabled():
        plan = Plan.objects.select_related("commune").get(commune__code=commune_code(case.prefix, 1, 1))
        # The synthetic plan has no parent body or signer; a real one does, and the report copies them.
        Plan.objects.filter(pk=plan.pk).update(
            parent_body="UBND TỈNH KHÁNH HÒA", signer_authority="TM. ỦY BAN NHÂN DÂN",
            signer_deputy="KT. CHỦ TỊCH", signer_position="PHÓ CHỦ TỊCH", signer_name="Nguyễn Văn Hòa")
        plan.refresh_from_db()
        units = list(Unit.objects.filter(commune=plan.commune).order_by("pk"))
        templates = _task_templates()
        tasks = Task.objects.bulk_create([
            Task(plan=plan, order=n, number="-", level=3, title=templates[n % len(templates)][0],
                 lead_unit=units[n % len(units)],
                 timeframe_text=("Thường xuyên", "Hằng quý", f"Quý II/{YEAR}; Quý IV/{YEAR}",
                                 f"Từ 01/01/{YEAR} đến 31/12/{YEAR}")[n % 4])
            for n in range(1, case.tasks + 1)])
        coordinators = {task.pk: [units[(task.order + k * 7) % len(units)] for k in (1, 2)] for task in tasks}
        TaskCoordinator.objects.bulk_create([
            TaskCoordinator(task=task, order=k, unit=unit)
            for task in tasks for k, unit in enumerate(coordinators[task.pk], start=1)])
        TaskDeliverable.objects.bulk_create([
            TaskDeliverable(task=task, order=1, text=templates[task.order % len(templates)][1])
            for task in tasks])
        statuses = [TaskStatus.DONE, TaskStatus.IN_PROGRESS, TaskStatus.IN_PROGRESS, TaskStatus.DELAYED,
                    TaskStatus.NOT_STARTED]
        periods = {p.quarter: p for p in ReportingPeriod.objects.filter(plan=plan, year=YEAR)}
        for quarter in range(1, case.quarter + 1):
            period = periods[quarter]
            reports = {r.unit_id: r for r in UnitReport.objects.filter(period=period)}
            progress = []
            for task in tasks:
                # A "Quý II; Quý IV" task is reported only in the quarters it names.
                if task.order % 4 == 3 and quarter not in (2, 4):
                    continue
                for unit in [units[task.order % len(units)], *coordinators[task.pk]]:  # its lead, then the others
                    progress.append(TaskProgress(
                        report=reports[unit.pk], task=task, status=rng.choice(statuses),
                        output_quantity=rng.randint(0, 40),
                        narrative="Đã triển khai theo kế hoạch, kết quả được tổng hợp trong báo cáo quý."))
            TaskProgress.objects.bulk_create(progress, ignore_conflicts=True)
            rollup_run(year=YEAR, quarter=quarter, commune_ids=[plan.commune_id])
        period = periods[case.quarter]
        draft = consolidated.commune_report_open(period=period, actor=None)
        draft = consolidated.commune_report_update(report=draft, actor=None, version=draft.version, fields={
            "number": "7", "issue_date": date(YEAR, case.quarter * 3, 28) if case.quarter < 4 else date(YEAR, 12, 20),
            "highlights": "\n".join(NARRATIVE), "difficulties": DIFFICULTIES, "proposals": PROPOSALS,
            "next_steps": NEXT_STEPS})
    return {"kind": DocumentKind.COMMUNE_REPORT, "id": draft.pk, "label": case.label, "units": case.units,
            "indicators": case.indicators, "tasks": case.tasks, "quarter": case.quarter, "target": case.target}


def _task_templates() -> list[tuple[str, str]]:
    """(title, deliverable) of the seed plans' assignable tasks: real lengths of real wording."""
    from campaigns.models import Task

    rows = []
    for task in (Task.objects.filter(plan__commune__code__in=("ba-ngoi", "son-kim-1", "dang-thuy-tram", "ha-tu"))
                 .exclude(lead_text="", lead_unit=None).prefetch_related("deliverables").order_by("plan_id", "order")):
        deliverable = "; ".join(d.text for d in task.deliverables.all())
        rows.append((" ".join(task.title.split()), deliverable or "Báo cáo kết quả thực hiện"))
    if not rows:
        raise RuntimeError("the seed plans have no assignable tasks: did load_demo run?")
    return rows


def _province_cases(sizes: tuple[int, ...]) -> list[dict[str, Any]]:
    """One synthetic province per size, every unit's reports accepted up to the quarter, the
    commune and province rollups computed; about a third of the communes have issued their
    consolidated report."""
    from campaigns.models import Commune, Province
    from portal.scoping import scopes_disabled
    from reporting.documents.content import ProvinceQuarter
    from reporting.models import CommuneReport, CommuneReportState, DocumentKind, ReportingPeriod
    from reporting.rollups.compute import rollup_run
    from reporting.synthetic import SyntheticSpec, province_code, synthetic_data_generate

    synthetic_data_generate(spec=SyntheticSpec(provinces=len(sizes), communes=list(sizes), units=PROVINCE_UNITS,
                                               indicators=PROVINCE_INDICATORS, quarters=PROVINCE_QUARTER,
                                               year=YEAR, prefix=PROVINCE_PREFIX))
    cases = []
    with scopes_disabled():
        for index, size in enumerate(sizes, start=1):
            province = Province.objects.get(code=province_code(PROVINCE_PREFIX, index))
            commune_ids = list(Commune.objects.filter(province=province).order_by("pk").values_list("pk", flat=True))
            for quarter in range(1, PROVINCE_QUARTER + 1):
                rollup_run(year=YEAR, quarter=quarter, commune_ids=commune_ids)
            periods = ReportingPeriod.objects.filter(plan__commune__province=province, year=YEAR,
                                                     quarter=PROVINCE_QUARTER).select_related("plan")
            CommuneReport.objects.bulk_create([
                CommuneReport(period=period, commune_id=period.plan.commune_id, state=CommuneReportState.ISSUED,
                              symbol="BC-UBND", number=f"{n:02d}", place=period.plan.place,
                              title=f"Kết quả thực hiện quý {PROVINCE_QUARTER} năm {YEAR}")
                for n, period in enumerate(periods, start=1) if n % 3 == 0])
            source = ProvinceQuarter(province=province, year=YEAR, quarter=PROVINCE_QUARTER)
            cases.append({"kind": DocumentKind.PROVINCE_SUMMARY, "id": source.pk, "label": f"{size} communes",
                          "communes": size})
    return cases


NARRATIVE = [
    "Ra mắt các Tổ công nghệ số cộng đồng tại các thôn, khu dân cư; hướng dẫn người dân cài đặt và sử "
    "dụng ứng dụng VNeID, dịch vụ công trực tuyến và thanh toán không dùng tiền mặt.",
    "Tổ chức các lớp “Bình dân học vụ số” vào buổi tối tại nhà văn hóa thôn, mỗi lớp từ 20 đến 30 học "
    "viên, ưu tiên người cao tuổi, người lao động tự do và hộ kinh doanh cá thể.",
    "Phối hợp với các trường học phát động phong trào “Con hướng dẫn cha mẹ dùng điện thoại thông minh”, "
    "lồng ghép nội dung an toàn trên môi trường số trong các buổi sinh hoạt dưới cờ.",
    "Duy trì chuyên mục “Bình dân học vụ số” trên Trang thông tin điện tử và hệ thống truyền thanh của xã, "
    "đăng tải tin, bài và video hướng dẫn kỹ năng số cơ bản.",
]
DIFFICULTIES = ("Một số thôn chưa có sóng di động ổn định; thiết bị trình chiếu tại nhà văn hóa còn thiếu.\n"
                "Một bộ phận người cao tuổi chưa có điện thoại thông minh nên chưa thể tham gia học tập.")
PROPOSALS = "Đề nghị Sở Khoa học và Công nghệ hỗ trợ tài liệu hướng dẫn và bồi dưỡng đội ngũ mentor."
NEXT_STEPS = ("Tiếp tục mở lớp tại các thôn còn lại; rà soát, cập nhật số liệu phổ cập kỹ năng số.\n"
              "Đẩy mạnh hướng dẫn người dân sử dụng dịch vụ công trực tuyến toàn trình.")


# --- Rendering in a child process ------------------------------------------------------------


def _child(workdir: Path, database_url: str | None, target: str, repeat: int, save: Path | None,
           python_peak: bool) -> None:
    """Inside the child: render one source ``repeat`` times and print the figures as JSON."""
    _setup_django(workdir, database_url)
    import weasyprint  # noqa: F401 - the idle baseline imports it too

    if target == "idle":
        print(json.dumps({}))
        return
    from portal.scoping import scopes_disabled, tenant_scope
    from reporting.documents import storage
    from reporting.documents.registry import spec_for

    kind, object_id = target.split(":")
    spec = spec_for(kind)
    with scopes_disabled():  # only to learn the scope the document's task would enter
        source = spec.load(int(object_id))
        assert source is not None, target
        commune_ids = spec.commune_ids_of(source)
    phases: dict[str, float] = {}
    # Time the two later phases where storage calls them; what remains is the data phase.
    for name, phase in (("render_html", "html"), ("pdf_from_html", "pdf")):
        setattr(storage, name, _timed(getattr(storage, name), phase, phases))
    runs = []
    rendered = None
    with tenant_scope(commune_ids):
        for _ in range(repeat):
            phases.clear()
            started, cpu = time.perf_counter(), time.process_time()
            rendered = storage.document_render(kind=kind, source=source)
            total, cpu = time.perf_counter() - started, time.process_time() - cpu
            runs.append({"total": total, "cpu": cpu, "html": phases["html"], "pdf": phases["pdf"],
                         "data": total - phases["html"] - phases["pdf"]})
        peak = None
        if python_peak:
            # One more render under tracemalloc, untimed: tracing slows Python down severalfold.
            tracemalloc.start()
            storage.document_render(kind=kind, source=source)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
    assert rendered is not None
    if save is not None:
        save.mkdir(parents=True, exist_ok=True)
        (save / f"{spec.filename(source)}").write_bytes(rendered.content)
    best = min(runs, key=lambda run: run["total"])
    print(json.dumps({"pages": rendered.pages, "bytes": len(rendered.content), "first": runs[0]["total"],
                      "best": best, "best_cpu": min(run["cpu"] for run in runs), "python_peak": peak}))


def _timed(function: Callable[..., Any], phase: str, phases: dict[str, float]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            phases[phase] = phases.get(phase, 0.0) + time.perf_counter() - started

    return wrapper


def _run_child(workdir: Path, args: argparse.Namespace, target: str) -> tuple[dict[str, Any], float]:
    """(the child's figures, its own peak resident memory in MB, read with wait4)."""
    command = [sys.executable, "-m", "bench.pdf_bench", "--child", target, "--workdir", str(workdir),
               "--repeat", str(args.repeat)]
    if args.database_url:
        command += ["--database-url", args.database_url]
    if args.save_pdfs:
        command += ["--save-pdfs", str(args.save_pdfs)]
    if args.python_peak:
        command.append("--python-peak")
    process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True)  # noqa: S603 - our own module
    assert process.stdout is not None
    stdout = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{target}: the child failed ({process.returncode})")
    return json.loads(stdout.strip().splitlines()[-1]), usage.ru_maxrss / 1024


# --- Report ----------------------------------------------------------------------------------


def _row(label: str, figures: dict[str, Any], rss: float, idle: float) -> str:
    best = figures["best"]
    peak = figures["python_peak"]
    return (f"{label:<22}{figures['pages']:>6}{figures['bytes'] / 1024:>7.0f}{figures['first']:>8.2f}"
            f"{best['total']:>8.2f}{figures['best_cpu']:>7.2f}{best['data']:>7.2f}{best['html']:>7.2f}{best['pdf']:>7.2f}"
            f"{best['total'] / figures['pages']:>8.3f}{rss:>8.0f}{rss - idle:>9.0f}"
            + (f"{peak / 2**20:>7.1f}" if peak is not None else ""))


def _header(python_peak: bool) -> str:
    return (f"{'':<22}{'pages':>6}{'KB':>7}{'first':>8}{'best s':>8}{'cpu s':>7}{'data':>7}{'html':>7}{'pdf':>7}"
            f"{'s/page':>8}{'RSS MB':>8}{'+render':>9}" + (f"{'py MB':>7}" if python_peak else ""))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench pdf", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="renders per document (the best is kept)")
    parser.add_argument("--sizes", default=",".join(map(str, PROVINCE_SIZES)),
                        help="communes per province for the summaries (default 42,84,168)")
    parser.add_argument("--only", choices=["plans", "communes", "provinces"], action="append",
                        help="measure only these parts (repeatable)")
    parser.add_argument("--database-url", help="a PostgreSQL database to fill instead of a temporary SQLite one")
    parser.add_argument("--save-pdfs", type=Path, help="write each rendered PDF into this directory")
    parser.add_argument("--python-peak", action="store_true",
                        help="also render once under tracemalloc (Python's own peak; slow)")
    parser.add_argument("--keep", type=Path, help="build the data in this directory and keep it (for profiling: "
                        "rerun a document with --child KIND:ID --workdir DIR)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        _child(args.workdir, args.database_url, args.child, args.repeat, args.save_pdfs, args.python_peak)
        return 0
    sizes = tuple(sorted(int(size) for size in args.sizes.split(",")))
    parts = set(args.only or ["plans", "communes", "provinces"])

    def say(text: str) -> None:
        print(f"  … {text}", file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix="pdf-bench-") as tmp:
        workdir = args.keep or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        cases = _prepare(workdir, args.database_url, sizes, parts, say)
        _idle, idle = _run_child(workdir, args, "idle")
        measured: dict[str, list[tuple[dict[str, Any], dict[str, Any], float]]] = {}
        for part in ("plans", "communes", "provinces"):
            if part not in parts:
                continue
            measured[part] = []
            for case in cases[part]:
                figures, rss = _run_child(workdir, args, f"{case['kind']}:{case['id']}")
                say(f"{case['kind']}:{case['id']} {case['label']}: {figures['best']['total']:.2f} s, {rss:.0f} MB")
                measured[part].append((case, figures, rss))
    lines, failures = _report(measured, idle, args)
    text = "\n".join(lines)
    print(text)
    RESULTS.write_text(text + "\n", encoding="utf-8")
    return 1 if failures else 0


def _report(measured: dict[str, list[tuple[dict[str, Any], dict[str, Any], float]]], idle: float,
            args: argparse.Namespace) -> tuple[list[str], list[str]]:
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    lines = [f"PDF rendering (WeasyPrint), best of {args.repeat} on {os.cpu_count()} cores (load average {load}); "
             f"idle child {idle:.0f} MB RSS",
             "best s: wall clock of the best render; cpu s: its process CPU time (what the render costs "
             "when other work shares the machine); data = selectors and data version, html = template, "
             "pdf = layout and writing (wall); RSS MB: the child's peak, +render: above the idle child"]
    failures = []
    if "plans" in measured:
        lines += ["", "Seed plans", _header(args.python_peak)]
        lines += [_row(f"{c['label']} ({c['profile']})", f, rss, idle) for c, f, rss in measured["plans"]]
    if "communes" in measured:
        lines += ["", f"Consolidated commune report, units/indicators/tasks, quarter (target for the typical "
                      f"commune < {COMMUNE_TARGET_S} s)", _header(args.python_peak)]
        for case, figures, rss in measured["communes"]:
            label = (f"{case['label']} {case['units']}u/{case['indicators']}i/{case['tasks']}t Q{case['quarter']}")
            lines.append(_row(label, figures, rss, idle))
            if case["target"] and figures["best"]["total"] >= COMMUNE_TARGET_S:
                failures.append(f"commune report {case['label']}: {figures['best']['total']:.2f} s "
                                f"({figures['best_cpu']:.2f} s CPU)")
    if "provinces" in measured:
        lines += ["", f"Province summary, {PROVINCE_UNITS} units and {PROVINCE_INDICATORS} indicators per commune, "
                      f"Q{PROVINCE_QUARTER} (target at 168 communes < {PROVINCE_TARGET_S:.0f} s, "
                      f"< {PROVINCE_TARGET_MB:.0f} MB)", _header(args.python_peak)]
        rows = measured["provinces"]
        for case, figures, rss in rows:
            lines.append(_row(case["label"], figures, rss, idle))
            if case["communes"] >= 168 and (figures["best"]["total"] >= PROVINCE_TARGET_S
                                            or rss >= PROVINCE_TARGET_MB):
                failures.append(f"province summary {case['label']}: {figures['best']['total']:.2f} s "
                                f"({figures['best_cpu']:.2f} s CPU), {rss:.0f} MB")
        if len(rows) > 1:
            first = rows[0][1]
            base_wall = first["best"]["total"] / first["pages"]
            base_cpu = first["best_cpu"] / first["pages"]
            lines += ["", "Linearity: seconds per page, and its ratio to the smallest province's (1.00 = linear)",
                      f"{'':<22}{'communes':>9}{'pages':>7}{'wall s':>8}{'s/page':>8}{'ratio':>7}"
                      f"{'cpu s':>8}{'s/page':>8}{'ratio':>7}"]
            for case, figures, _rss in rows:
                wall = figures["best"]["total"] / figures["pages"]
                cpu = figures["best_cpu"] / figures["pages"]
                lines.append(f"{case['label']:<22}{case['communes']:>9}{figures['pages']:>7}"
                             f"{figures['best']['total']:>8.2f}{wall:>8.3f}{wall / base_wall:>7.2f}"
                             f"{figures['best_cpu']:>8.2f}{cpu:>8.3f}{cpu / base_cpu:>7.2f}")
    lines += [""] + ([f"MISSED: {failure}" for failure in failures] or ["Every target met."])
    return lines, failures


if __name__ == "__main__":
    sys.exit(main())
