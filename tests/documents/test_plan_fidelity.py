"""Each seed plan prints exactly its source document (DESIGN.md rule 8, issue 13).

The PDF and the plan page are read against ``shared/seeds`` (tests/documents/seeds): every
paragraph of the source once and in order, the appendix table cell by cell, and nothing the
source lacks (the profile's header, labels and page numbers aside). The seeds are loaded with
``load_demo`` (the plans' JSON through the validating import), rendered once per module.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoDbBlocker

from campaigns.models import Membership, Plan
from campaigns.selectors.plan_text import plan_blocks
from campaigns.selectors.plans import plan_document
from portal.access import Role
from portal.scoping import scopes_disabled
from reporting.documents.storage import document_render
from reporting.models import DocumentKind
from tests.documents import fidelity as fd
from tests.documents import pdfcheck as pc

pytestmark = pytest.mark.django_db
SEEDS = ("son-kim-1", "dang-thuy-tram", "ba-ngoi", "ha-tu")


@dataclass
class Rendered:
    code: str
    body: str  # the portrait pages, page numbers left out
    appendix: str  # the landscape pages' table, column by column
    page: str  # the plan page's document, as text
    page_appendix: str
    printed_targets: int
    recipients: int


def _text(fragment: str) -> str:
    fragment = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", fragment, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", fragment))


def _page_parts(content: str) -> tuple[str, str]:
    """The plan page's document (header to signature) and its appendix, as text."""
    start = content.index('<article class="pp-doc"')
    end = content.index("</article>", start)
    appendix = ""
    if 'id="appendix"' in content:
        at = content.index(">", content.index('id="appendix"')) + 1
        # The page's notes beside a deliverable ("(chỉ số: …)") are the portal's, not the plan's.
        appendix = re.sub(r'<span class="pp-muted">.*?</span>', " ",
                          content[at:content.index("</section>", at)], flags=re.S)
    return _text(content[start:end]), _text(appendix)


@pytest.fixture(scope="module")
def rendered(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[dict[str, Rendered]]:
    result: dict[str, Rendered] = {}
    with django_db_blocker.unblock(), transaction.atomic():
        assert "test" in str(connection.settings_dict["NAME"]) or "memory" in str(connection.settings_dict["NAME"])
        call_command("load_demo", "--no-reports", stdout=io.StringIO())
        with scopes_disabled():
            plans = list(Plan.objects.select_related("commune").filter(commune__code__in=SEEDS))
            admins = {m.commune_id: m.user for m in Membership.objects.filter(role=Role.COMMUNE_ADMIN)
                      .select_related("user")}
            for plan in plans:
                pdf_bytes = document_render(kind=DocumentKind.PLAN, source=plan).content
                with pc.open_pdf(pdf_bytes) as pdf:
                    portrait = [p for p in pdf.pages if not pc.is_landscape(p)]
                    body = "".join(c["text"] for p in portrait for c in pc.body_chars(p))
                    landscape = "".join(c["text"] for p in pdf.pages if pc.is_landscape(p)
                                        for c in pc.body_chars(p))
                    head = landscape[:landscape.find("STT")] if landscape else ""  # up to the table
                    appendix = landscape[len(head):]
                document = plan_document(plan=plan)
                blocks = plan_blocks(document)
                target_lines = sum(len(v.section.paragraphs) for v in document.sections
                                   if v.section.kind == "targets") + sum(1 for b in blocks if b.generated)
                client = Client()
                client.force_login(admins[plan.commune_id])
                page = client.get(reverse("plan_detail", kwargs={"plan_pk": plan.pk}))
                assert page.status_code == 200
                page_text, page_appendix = _page_parts(page.content.decode())
                result[plan.commune.code] = Rendered(
                    code=plan.commune.code, body=body + head, appendix=appendix,
                    page=page_text, page_appendix=page_appendix, printed_targets=target_lines,
                    recipients=plan.recipients.count())
        transaction.set_rollback(True)
    yield result


@pytest.fixture
def seed(request: pytest.FixtureRequest, rendered: dict[str, Rendered]) -> Rendered:
    return rendered[request.param]


@pytest.mark.parametrize("seed", SEEDS, indirect=True)
def test_the_pdf_body_is_the_source_paragraph_by_paragraph(seed: Rendered) -> None:
    source = fd.source_document(seed.code)
    walk = fd.walk(source.body + source.appendix_head, seed.body, allowed=fd.FIXED_TEXTS)
    assert walk.ok, f"{seed.code}:\n{walk.report()}"


@pytest.mark.parametrize("seed", SEEDS, indirect=True)
def test_the_pdf_appendix_is_the_source_table_cell_by_cell(seed: Rendered) -> None:
    source = fd.source_document(seed.code)
    if not source.cells:
        assert not seed.appendix, "a plan whose document has no appendix prints none"
        return
    # A row split across two pages draws the first part of each of its cells on one page and
    # the rest on the next: a cell is found whole, or as its two ends in order.
    check = fd.cells_check(source.cells, seed.appendix, allowed=fd.TABLE_HEADER)
    text = fd.squeeze(seed.appendix)
    split_ok = [c for c in check.missing if _ends_in_order(fd.squeeze(c), text)]
    assert [c for c in check.missing if c not in split_ok] == [], f"{seed.code}:\n{check.report()}"


def _ends_in_order(cell: str, text: str) -> bool:
    head, tail = cell[:12], cell[-12:]
    at = text.find(head)
    return at >= 0 and text.find(tail, at) > at


@pytest.mark.parametrize("seed", SEEDS, indirect=True)
def test_the_plan_page_reads_as_the_source(seed: Rendered) -> None:
    source = fd.source_document(seed.code)
    walk = fd.walk(source.body, seed.page, allowed=fd.FIXED_TEXTS + fd.PAGE_LABELS)
    assert walk.ok, f"{seed.code}:\n{walk.report()}"
    if source.cells:
        head = fd.walk(source.appendix_head, seed.page_appendix[:seed.page_appendix.index("STT")],
                       allowed=fd.PAGE_LABELS)
        assert head.ok, f"{seed.code}:\n{head.report()}"
        cells = fd.cells_check(source.cells, seed.page_appendix)
        assert not cells.missing, f"{seed.code}:\n{cells.report()}"


@pytest.mark.parametrize(("code", "targets", "recipients"), [
    ("son-kim-1", 5, 9), ("dang-thuy-tram", 0, 8), ("ba-ngoi", 5, 9), ("ha-tu", 10, 8)])
def test_targets_and_recipients_are_counted_as_the_source_has_them(
        rendered: dict[str, Rendered], code: str, targets: int, recipients: int) -> None:
    assert (rendered[code].printed_targets, rendered[code].recipients) == (targets, recipients)
