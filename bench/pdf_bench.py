"""The PDF benchmark (issue 6): time and peak memory to render each seed plan.

Run from the repository root: ``.venv/bin/python -m bench.pdf_bench [--repeat 5]``. It needs
no server: the demo data goes into a throw-away SQLite database in a temporary directory.
Each plan renders in a child process of its own, so the peak resident memory the kernel
reports for that child (``wait4`` rusage, which counts Pango's and HarfBuzz's C allocations
too) belongs to that plan alone; an idle child (Django set up, WeasyPrint imported, nothing
rendered) gives the baseline. Python's own peak (tracemalloc) is shown beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _setup_django(workdir: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["MEDIA_ROOT"] = str(workdir / "media")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _prepare(workdir: Path) -> list[dict[str, Any]]:
    """Migrate, load the four seed plans, and list them."""
    _setup_django(workdir)
    from django.core.management import call_command

    from campaigns.models import Plan
    from campaigns.scoping import scopes_disabled

    call_command("migrate", verbosity=0)
    call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115 - discarded output
    with scopes_disabled():
        return [{"id": p.pk, "code": p.commune.code, "issuer": p.issuer_kind}
                for p in Plan.objects.select_related("commune").order_by("commune__code")]


def _child(workdir: Path, plan_id: int, repeat: int) -> None:
    """Inside the child: render one plan ``repeat`` times and print the figures as JSON."""
    _setup_django(workdir)
    import weasyprint  # noqa: F401 - the idle baseline imports it too

    from campaigns.models import Plan
    from campaigns.scoping import scopes_disabled
    from reporting.documents.storage import document_render
    from reporting.models import DocumentKind

    if plan_id == 0:  # the idle baseline
        print(json.dumps({}))
        return
    with scopes_disabled():
        plan = Plan.objects.get(pk=plan_id)
        timings = []
        rendered = None
        for _ in range(repeat):
            started = time.perf_counter()
            rendered = document_render(kind=DocumentKind.PLAN, source=plan)
            timings.append(time.perf_counter() - started)
        # One more render under tracemalloc, untimed: tracing slows Python down severalfold.
        tracemalloc.start()
        document_render(kind=DocumentKind.PLAN, source=plan)
        _current, python_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert rendered is not None
    print(json.dumps({"pages": rendered.pages, "bytes": len(rendered.content),
                      "first": timings[0], "best": min(timings), "python_peak": python_peak}))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pdf_bench", description=__doc__)
    parser.add_argument("--repeat", type=int, default=3, help="renders per plan (best is kept)")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        _child(args.workdir, args.child, args.repeat)
        return 0

    with tempfile.TemporaryDirectory(prefix="pdf-bench-") as tmp:
        workdir = Path(tmp)
        plans = _prepare(workdir)
        _idle, idle_rss = _run_child(workdir, 0, 1)
        rows = []
        for plan in plans:
            figures, rss = _run_child(workdir, plan["id"], args.repeat)
            rows.append((plan, figures, rss))
    print(f"PDF rendering of the seed plans (best of {args.repeat}; WeasyPrint; "
          f"idle child {idle_rss:.0f} MB RSS)")
    print(f"{'plan':<16}{'profile':<9}{'pages':>6}{'KB':>7}{'first s':>9}{'best s':>8}"
          f"{'s/page':>8}{'peak MB':>9}{'+render':>9}{'py MB':>7}")
    for plan, figures, rss in rows:
        profile = "party" if plan["issuer"] == "dang_uy" else "state"
        print(f"{plan['code']:<16}{profile:<9}{figures['pages']:>6}{figures['bytes'] / 1024:>7.0f}"
              f"{figures['first']:>9.2f}{figures['best']:>8.2f}"
              f"{figures['best'] / figures['pages']:>8.3f}{rss:>9.0f}{rss - idle_rss:>9.0f}"
              f"{figures['python_peak'] / 2**20:>7.1f}")
    return 0


def _run_child(workdir: Path, plan_id: int, repeat: int) -> tuple[dict[str, Any], float]:
    """(the child's figures, its own peak resident memory in MB, read with wait4)."""
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "bench.pdf_bench", "--child", str(plan_id), "--workdir", str(workdir),
         "--repeat", str(repeat)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert process.stdout is not None
    stdout = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"plan {plan_id}: the child failed ({process.returncode})")
    return json.loads(stdout.strip().splitlines()[-1]), usage.ru_maxrss / 1024


if __name__ == "__main__":
    sys.exit(main())
