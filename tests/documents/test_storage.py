"""Stored documents: checksum, staleness, freezing, the task, the view and the command."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import transaction
from django.urls import reverse

from campaigns.services import plans as services
from portal.scoping import scopes_disabled, tenant_scope
from reporting.documents.storage import (
    DocumentSourceMissing,
    atomic_with_files,
    document_current,
    document_ensure,
    document_render_and_store,
    document_unfreeze,
)
from reporting.models import DocumentKind, RenderedDocument
from reporting.tasks import render_document
from tests.conftest import World, login
from tests.documents import pdfcheck as pc

PLAN = DocumentKind.PLAN


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def scope_a(world: World) -> Iterator[None]:
    with tenant_scope([world.commune_a.pk]):
        yield


def _read(document: RenderedDocument) -> bytes:
    with default_storage.open(str(document.file.name), "rb") as handle:
        return bytes(handle.read())


def _body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def _retitle(world: World, title: str) -> Any:
    with scopes_disabled():
        plan = world.plan_a.__class__.objects.get(pk=world.plan_a.pk)
        return services.plan_update(plan=plan, actor=world.admin_a, version=plan.version,
                                    fields={"title": title})


@pytest.mark.django_db
def test_stored_document_matches_its_checksum_size_and_pages(world: World, scope_a: None) -> None:
    document = document_render_and_store(kind=PLAN, source=world.plan_a)
    content = _read(document)
    assert content.startswith(b"%PDF-")
    assert hashlib.sha256(content).hexdigest() == document.sha256
    assert document.size == len(content)
    with pc.open_pdf(content) as pdf:
        assert document.pages == len(pdf.pages) >= 1
    assert document.commune_id == world.commune_a.pk and document.province_id is None
    assert str(document.file.name).startswith(f"documents/plan/{world.commune_a.pk}/")
    status = document_current(kind=PLAN, source=world.plan_a)
    assert status.document == document and not status.is_stale and status.is_servable
    assert document.data_version == status.data_version


@pytest.mark.django_db
def test_a_plan_change_makes_the_document_stale_and_the_view_renders_it_again(
        world: World, django_capture_on_commit_callbacks: Callable[..., Any]) -> None:
    with tenant_scope([world.commune_a.pk]):
        first = document_render_and_store(kind=PLAN, source=world.plan_a)
    old_name, old_version = str(first.file.name), first.data_version
    plan = _retitle(world, "Kế hoạch đã đổi tên “Bình dân học vụ số” mùa thu")
    with tenant_scope([world.commune_a.pk]):
        status = document_current(kind=PLAN, source=plan)
        assert status.is_stale and not status.is_servable
    with django_capture_on_commit_callbacks(execute=True):
        response = login(world.viewer_a).get(reverse("plan_pdf", kwargs={"plan_pk": plan.pk}))
    assert response.status_code == 200
    content = _body(response)
    with pc.open_pdf(content) as pdf:
        assert pc.contains_text(pc.page_words(pdf), "Kế hoạch đã đổi tên “Bình dân học vụ số” mùa thu")
    with scopes_disabled():
        current = RenderedDocument.objects.get(kind=PLAN, object_id=plan.pk)
    assert current.pk == first.pk  # replaced in place: one document per source
    assert current.data_version != old_version and current.sha256 == hashlib.sha256(content).hexdigest()
    assert not default_storage.exists(old_name), "the replaced file is deleted after commit"
    assert default_storage.exists(str(current.file.name))


@pytest.mark.django_db
def test_every_write_to_the_plan_moves_its_data_version(world: World) -> None:
    from campaigns.services.tasks import TaskInput, task_save

    with scopes_disabled():
        before = document_current(kind=PLAN, source=world.plan_a).data_version
        plan = world.plan_a.__class__.objects.get(pk=world.plan_a.pk)
        task_save(plan=plan, actor=world.admin_a, version=plan.version,
                  data=TaskInput(number="-", title="Nhiệm vụ mới thêm", lead_text="Các đơn vị"))
        plan.refresh_from_db()
        assert document_current(kind=PLAN, source=plan).data_version != before


@pytest.mark.django_db
def test_a_frozen_document_is_never_rendered_again(
        world: World, django_capture_on_commit_callbacks: Callable[..., Any]) -> None:
    with tenant_scope([world.commune_a.pk]):
        frozen = document_render_and_store(kind=PLAN, source=world.plan_a, frozen=True)
    plan = _retitle(world, "Tiêu đề sau khi ban hành")
    with tenant_scope([world.commune_a.pk]):
        again = document_render_and_store(kind=PLAN, source=plan)
        assert (again.pk, again.sha256, again.rendered_at, again.file.name) == (
            frozen.pk, frozen.sha256, frozen.rendered_at, frozen.file.name)
        assert document_ensure(kind=PLAN, source=plan).sha256 == frozen.sha256
        status = document_current(kind=PLAN, source=plan)
        assert status.is_frozen and status.is_stale and status.is_servable
    with django_capture_on_commit_callbacks(execute=True):
        response = login(world.admin_a).get(reverse("plan_pdf", kwargs={"plan_pk": plan.pk}))
    assert response.status_code == 200 and response["ETag"] == f'"{frozen.sha256}"'
    with tenant_scope([world.commune_a.pk]):
        document_unfreeze(kind=PLAN, source=plan)
        renewed = document_ensure(kind=PLAN, source=plan)
    assert renewed.pk == frozen.pk and renewed.sha256 != frozen.sha256 and not renewed.is_frozen


@pytest.mark.django_db
def test_the_task_is_idempotent_and_scoped(world: World) -> None:
    kwargs = {"kind": PLAN, "object_id": world.plan_a.pk}
    first = render_document.delay(**kwargs, commune_ids=[world.commune_a.pk]).get()
    with scopes_disabled():
        stored = RenderedDocument.objects.get(pk=first)
    second = render_document.delay(**kwargs, commune_ids=[world.commune_a.pk]).get()
    with scopes_disabled():
        again = RenderedDocument.objects.get(pk=second)
        assert RenderedDocument.objects.filter(kind=PLAN, object_id=world.plan_a.pk).count() == 1
    assert second == first and again.rendered_at == stored.rendered_at  # nothing re-rendered
    # Another commune's scope does not see the plan: nothing happens.
    assert render_document.delay(**kwargs, commune_ids=[world.commune_b.pk]).get() is None
    assert render_document.name == "reporting.tasks.render_document"  # the pdf queue's route


@pytest.mark.django_db
def test_rendering_outside_the_scope_finds_no_source(world: World) -> None:
    with tenant_scope([world.commune_b.pk]), pytest.raises(DocumentSourceMissing):
        document_render_and_store(kind=PLAN, source=world.plan_a)


@pytest.mark.django_db
def test_the_view_serves_a_pdf_with_a_safe_filename(world: World) -> None:
    response = login(world.reporter_a).get(reverse("plan_pdf", kwargs={"plan_pk": world.plan_a.pk}))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="ke-hoach-xa-a-2026.pdf"'
    assert "private" in response["Cache-Control"]
    assert _body(response).startswith(b"%PDF-")


@pytest.mark.django_db
def test_without_eager_tasks_the_view_enqueues_once_and_waits(
        world: World, settings: Any, monkeypatch: pytest.MonkeyPatch,
        django_capture_on_commit_callbacks: Callable[..., Any]) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = False
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(render_document, "delay", lambda **kwargs: calls.append(kwargs))
    client = login(world.admin_a)
    url = reverse("plan_pdf", kwargs={"plan_pk": world.plan_a.pk})
    with django_capture_on_commit_callbacks(execute=True):
        first = client.get(url)
        second = client.get(url)
    for response in (first, second):
        assert response.status_code == 202
        body = response.content.decode()
        assert "Đang tạo tệp PDF…" in body and 'http-equiv="refresh"' in body
    assert calls == [{"kind": PLAN, "object_id": world.plan_a.pk, "commune_ids": [world.commune_a.pk]}]
    # The worker's turn, then the page's next refresh gets the file.
    render_document.apply(kwargs=calls[0])
    assert client.get(url).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["admin_b", "reviewer_q", "admin_c"])
def test_outsiders_get_404(world: World, who: str) -> None:
    response = login(getattr(world, who)).get(reverse("plan_pdf", kwargs={"plan_pk": world.plan_a.pk}))
    assert response.status_code == 404
    with scopes_disabled():
        assert not RenderedDocument.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["admin_a", "viewer_a", "reviewer_p", "reporter_a2"])
def test_every_reader_of_the_commune_gets_the_pdf(world: World, who: str) -> None:
    response = login(getattr(world, who)).get(reverse("plan_pdf", kwargs={"plan_pk": world.plan_a.pk}))
    assert response.status_code == 200


@pytest.mark.django_db
def test_render_pdf_command(world: World, tmp_path: Path) -> None:
    output = tmp_path / "ke-hoach.pdf"
    call_command("render_pdf", "--plan", str(world.plan_a.pk), "--output", str(output))
    assert output.read_bytes().startswith(b"%PDF-")
    with scopes_disabled():
        assert not RenderedDocument.objects.exists()  # --output does not store
    call_command("render_pdf", "--plan", str(world.plan_a.pk))
    with scopes_disabled():
        assert RenderedDocument.objects.filter(kind=PLAN, object_id=world.plan_a.pk).count() == 1
    with pytest.raises(CommandError, match="không tìm thấy"):
        call_command("render_pdf", "--plan", "987654")
    with pytest.raises(CommandError):
        call_command("render_pdf", "--plan", "1", "--unit-report", "2")  # one source only


# --- A file is not transactional: no orphan after a rollback -------------------------------


def _stored_files(root: Path) -> list[Path]:
    return sorted(path for path in (root / "documents").rglob("*") if path.is_file())


@pytest.mark.django_db
def test_the_pdf_stays_when_the_transaction_commits(world: World, scope_a: None, settings: Any) -> None:
    with atomic_with_files():
        document = document_render_and_store(kind=PLAN, source=world.plan_a)
    assert _stored_files(Path(settings.MEDIA_ROOT)) == [Path(settings.MEDIA_ROOT) / str(document.file.name)]
    assert hashlib.sha256(_read(document)).hexdigest() == document.sha256
    assert RenderedDocument.objects.filter(pk=document.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("how", ["exception", "set_rollback"])
def test_a_rolled_back_transaction_leaves_no_pdf_behind(world: World, scope_a: None, settings: Any,
                                                        how: str) -> None:
    with pytest.raises(RuntimeError) if how == "exception" else nullcontext(), atomic_with_files():
        document = document_render_and_store(kind=PLAN, source=world.plan_a)
        assert default_storage.exists(str(document.file.name))  # written before the commit…
        if how == "exception":
            raise RuntimeError("a later step of the same write fails")
        transaction.set_rollback(True)
    assert _stored_files(Path(settings.MEDIA_ROOT)) == []  # …and gone with the transaction
    assert not RenderedDocument.objects.exists()


@pytest.mark.django_db
def test_an_outer_rollback_removes_the_files_of_an_inner_block_that_committed(
        world: World, scope_a: None, settings: Any) -> None:
    with pytest.raises(RuntimeError), atomic_with_files():
        with atomic_with_files():
            document_render_and_store(kind=PLAN, source=world.plan_a)
        assert len(_stored_files(Path(settings.MEDIA_ROOT))) == 1
        raise RuntimeError("the outer write fails after the inner one committed its savepoint")
    assert _stored_files(Path(settings.MEDIA_ROOT)) == []
    assert not RenderedDocument.objects.exists()


@pytest.mark.django_db
def test_a_rolled_back_replacement_keeps_the_previous_pdf(world: World, scope_a: None, settings: Any) -> None:
    first = document_render_and_store(kind=PLAN, source=world.plan_a)
    with scopes_disabled():
        plan = _retitle(world, "Tiêu đề của một lần sửa bị hủy")
    with pytest.raises(RuntimeError), atomic_with_files():
        replaced = document_render_and_store(kind=PLAN, source=plan)
        assert replaced.file.name != first.file.name
        raise RuntimeError("rolled back")
    assert _stored_files(Path(settings.MEDIA_ROOT)) == [Path(settings.MEDIA_ROOT) / str(first.file.name)]
    kept = RenderedDocument.objects.get(kind=PLAN, object_id=world.plan_a.pk)
    assert (kept.file.name, kept.sha256) == (first.file.name, first.sha256)


@pytest.mark.django_db
@pytest.mark.usefixtures("no_scope")
def test_a_failed_issue_leaves_no_pdf_and_no_copy_of_the_returned_one(
        quarter: Any, committed: Callable[[], Any], settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from reporting.models import CommuneReportState
    from reporting.services import commune_reports as consolidated
    from tests.quarter import CONFIRM, issue

    media = Path(settings.MEDIA_ROOT)
    report = issue(quarter)
    signed = RenderedDocument.objects.get(kind=DocumentKind.COMMUNE_REPORT, object_id=report.pk)
    with committed():
        report = consolidated.commune_report_return(report=report, actor=quarter.world.reviewer_p,
                                                    version=report.version, reason="Bổ sung số liệu")
    report = consolidated.commune_report_update(report=report, actor=quarter.world.admin_a,
                                                version=report.version, fields={"number": "9"})
    real_audit = consolidated.audit_record

    def audit_then_fail(**kwargs: Any) -> Any:
        if kwargs["action"] == "commune_report.document":  # after the new PDF and the copy
            raise RuntimeError("the audit entry could not be written")
        return real_audit(**kwargs)

    monkeypatch.setattr(consolidated, "audit_record", audit_then_fail)
    with pytest.raises(RuntimeError):
        consolidated.commune_report_issue(report=report, actor=quarter.world.admin_a, version=report.version,
                                          **CONFIRM)
    report.refresh_from_db()
    assert report.state == CommuneReportState.RETURNED
    assert _stored_files(media) == [media / str(signed.file.name)], "neither the new PDF nor the copy remain"
    kept = RenderedDocument.objects.get(pk=signed.pk)
    assert (kept.file.name, kept.sha256, kept.is_frozen) == (signed.file.name, signed.sha256, True)
    monkeypatch.setattr(consolidated, "audit_record", real_audit)  # the same issue, now going through
    report = consolidated.commune_report_issue(report=report, actor=quarter.world.admin_a, version=report.version,
                                               **CONFIRM)
    reissued = RenderedDocument.objects.get(pk=signed.pk)
    assert report.state == CommuneReportState.ISSUED and reissued.sha256 != signed.sha256
    assert default_storage.exists(str(reissued.file.name))
    assert len(list((media / "documents").rglob("superseded/*.pdf"))) == 1


@pytest.mark.django_db
def test_a_pdf_whose_file_is_lost_is_made_again_or_said_missing(
        world: World, django_capture_on_commit_callbacks: Callable[..., Any]) -> None:
    from django.core.files.storage import default_storage

    url = reverse("plan_pdf", kwargs={"plan_pk": world.plan_a.pk})
    with tenant_scope([world.commune_a.pk]):
        draft = document_render_and_store(kind=PLAN, source=world.plan_a)
    assert draft.file.name is not None
    default_storage.delete(draft.file.name)  # the media volume lost it
    with django_capture_on_commit_callbacks(execute=True):
        response = login(world.admin_a).get(url)
    assert response.status_code == 200 and _body(response).startswith(b"%PDF-")
    with tenant_scope([world.commune_a.pk]):
        assert document_current(kind=PLAN, source=world.plan_a).is_servable
        frozen = document_render_and_store(kind=PLAN, source=world.plan_a, frozen=True)
    assert frozen.file.name is not None
    default_storage.delete(frozen.file.name)
    # What was signed cannot be made again from today's data: a 404, never a 500.
    assert login(world.admin_a).get(url).status_code == 404
