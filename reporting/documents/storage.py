"""Rendering a source through its spec, and keeping the resulting PDF.

One RenderedDocument per source (kind, object id). Stale is derived, never stored: the
document's ``data_version`` against the source's current one. A frozen document (an issued
report, as signed) is never replaced: ``document_render_and_store`` returns it unchanged.

A file is not transactional: a PDF written inside a transaction that rolls back would stay in
storage, referenced by nothing. A write that stores documents inside its own transaction (the
commune report's issue) runs in ``atomic_with_files``, which deletes the files written in it
when it rolls back.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from reporting.documents.registry import DocumentSpec, spec_for
from reporting.documents.render import pdf_from_html, render_html
from reporting.models import RenderedDocument

logger = logging.getLogger(__name__)

MAX_VERSION_LENGTH = 64  # RenderedDocument.data_version

# The files written inside the innermost atomic_with_files() block; None outside any.
_written_files: ContextVar[list[str] | None] = ContextVar("document_files_written", default=None)


class DocumentSourceMissing(LookupError):
    """The source is not visible in the active scope (or no longer exists)."""


class DocumentRefused(ValueError):
    """The source lacks what it cannot be issued without (its signer): nothing is stored."""

    def __init__(self, missing: list[str]) -> None:
        self.missing = missing
        super().__init__(" ".join(missing))


def document_missing(*, kind: str, source: Any) -> list[str]:
    """What the document cannot be issued without, in Vietnamese (DocumentSpec.missing)."""
    spec = spec_for(kind)
    return list(spec.missing(source)) if spec.missing is not None else []


@dataclass(frozen=True)
class RenderedPdf:
    content: bytes
    pages: int
    data_version: str


@dataclass(frozen=True)
class DocumentStatus:
    document: RenderedDocument | None
    data_version: str  # the source's current data version
    is_stale: bool  # no document, or one made from another data version
    is_frozen: bool

    @property
    def is_servable(self) -> bool:
        """A frozen document is served as signed even when its source moved on since."""
        return self.document is not None and (self.is_frozen or not self.is_stale)


def document_data_version(*, kind: str, source: Any) -> str:
    spec = spec_for(kind)
    return _data_version(spec, source)


def _data_version(spec: DocumentSpec, source: Any, context: dict[str, Any] | None = None) -> str:
    # The profile's and the template's revisions are part of it: a new regulation or layout
    # makes every non-frozen document stale, so it is rendered again on its next request.
    if context is not None and spec.context_data_version is not None:
        data = spec.context_data_version(context)
    else:
        # In Vietnamese, as the document is rendered: a page asking in English whether the
        # stored PDF is current must hash the same words the renderer hashed.
        with translation.override("vi"):
            data = spec.data_version(source)
    version = f"{spec.profile(source).revision}|{spec.revision}|{data}"
    if len(version) > MAX_VERSION_LENGTH:
        version = "h:" + hashlib.sha256(version.encode()).hexdigest()[:MAX_VERSION_LENGTH - 2]
    return version


def _fresh(spec: DocumentSpec, source: Any) -> Any:
    """The source read again inside the active scope (a caller may hold an old copy)."""
    fresh = spec.load(spec.id_of(source))
    if fresh is None:
        raise DocumentSourceMissing(f"{spec.kind}#{spec.id_of(source)}")
    return fresh


def _render(spec: DocumentSpec, source: Any) -> RenderedPdf:
    profile = spec.profile(source)
    # The context is built in Vietnamese too (numbers, dates): documents are never translated.
    with translation.override("vi"):
        context = spec.context(source, profile)
        html = render_html(spec.template, context, profile=profile)
    version = _data_version(spec, source, context)
    output = pdf_from_html(html, profile=profile)
    return RenderedPdf(content=output.content, pages=output.pages, data_version=version)


def document_render(*, kind: str, source: Any) -> RenderedPdf:
    """The PDF of ``source`` as it is now; nothing is stored."""
    spec = spec_for(kind)
    return _render(spec, _fresh(spec, source))


def _stored(kind: str, object_id: int, *, lock: bool = False) -> RenderedDocument | None:
    documents = RenderedDocument.objects.filter(kind=kind, object_id=object_id)
    if lock:
        documents = documents.select_for_update()
    return documents.first()


def document_current(*, kind: str, source: Any) -> DocumentStatus:
    """The stored document of ``source`` and whether it is stale (pass a fresh source)."""
    spec = spec_for(kind)
    document = _stored(kind, spec.id_of(source))
    version = _data_version(spec, source)
    # A record whose file is gone (a lost media volume) is not servable: a draft's is made
    # again, a frozen one cannot be (what was signed is lost) and the caller says so.
    lost = document is not None and not document.file.storage.exists(document.file.name or "")
    return DocumentStatus(
        document=None if lost else document, data_version=version,
        is_stale=document is None or lost or document.data_version != version,
        is_frozen=bool(document and document.is_frozen))


def document_render_and_store(*, kind: str, source: Any, frozen: bool = False) -> RenderedDocument:
    """Render ``source`` and keep the PDF, replacing its previous non-frozen document.

    A frozen document is returned unchanged, never replaced (see ``document_unfreeze``).
    Rendering takes seconds, so it happens before the transaction; the row is then locked,
    written and the replaced file deleted once the transaction commits.
    """
    spec = spec_for(kind)
    source = _fresh(spec, source)
    missing = document_missing(kind=kind, source=source)
    if missing:  # every storing path (view, task, command) refuses alike
        raise DocumentRefused(missing)
    object_id = spec.id_of(source)
    existing = _stored(kind, object_id)
    if existing is not None and existing.is_frozen:
        return existing
    rendered = _render(spec, source)
    sha256 = hashlib.sha256(rendered.content).hexdigest()
    commune_id, province_id = spec.owner(source)
    document = RenderedDocument(kind=kind, object_id=object_id, commune_id=commune_id,
                                province_id=province_id)
    name = document.file.field.generate_filename(document, f"{object_id}-{sha256[:16]}.pdf")
    saved_name = default_storage.save(name, ContentFile(rendered.content))
    try:
        with transaction.atomic():
            document = _write(kind=kind, object_id=object_id, commune_id=commune_id,
                              province_id=province_id, file_name=saved_name, sha256=sha256,
                              rendered=rendered, frozen=frozen)
    except Exception:
        default_storage.delete(saved_name)
        raise
    if document.file.name != saved_name:  # a frozen document appeared meanwhile: keep it
        default_storage.delete(saved_name)
    else:
        delete_on_rollback(saved_name)
    return document


def delete_on_rollback(name: str) -> None:
    """Delete the stored file ``name`` if the enclosing ``atomic_with_files`` block rolls
    back (outside one, the file is kept whatever happens)."""
    written = _written_files.get()
    if written is not None:
        written.append(name)


@contextmanager
def atomic_with_files() -> Iterator[None]:
    """``transaction.atomic()`` for a write that stores files: the files written inside
    (``delete_on_rollback``) are deleted when the block rolls back, by an exception or by
    ``transaction.set_rollback(True)``. Nested in another such block, its files are handed to
    the outer one when it commits, so an outer rollback deletes them too. (Inside a plain
    ``transaction.atomic()`` that rolls back later, they would stay: the owner of the
    outermost transaction is the one to use this.) Usable as a decorator."""
    outer = _written_files.get()
    written: list[str] = []
    token = _written_files.set(written)
    committed = False
    try:
        with transaction.atomic():
            yield
            rolling_back = transaction.get_rollback()
        committed = not rolling_back
    finally:
        _written_files.reset(token)
        if not committed:
            for name in written:
                _delete_quietly(name)
        elif outer is not None:
            outer.extend(written)


def _write(*, kind: str, object_id: int, commune_id: int | None, province_id: int | None,
           file_name: str, sha256: str, rendered: RenderedPdf, frozen: bool) -> RenderedDocument:
    fields = {"commune_id": commune_id, "province_id": province_id, "file": file_name,
              "sha256": sha256, "size": len(rendered.content), "pages": rendered.pages,
              "data_version": rendered.data_version, "is_frozen": frozen,
              "rendered_at": timezone.now()}
    document = _stored(kind, object_id, lock=True)
    if document is None:
        try:
            # A savepoint: when a concurrent render created the row first, lock and update it.
            with transaction.atomic():
                return RenderedDocument.objects.create(kind=kind, object_id=object_id, **fields)
        except IntegrityError:
            document = _stored(kind, object_id, lock=True)
            if document is None:
                raise
    if document.is_frozen:
        return document
    old_name = document.file.name
    for key, value in fields.items():
        setattr(document, key, value)
    document.save()
    if old_name and old_name != file_name:
        transaction.on_commit(lambda: _delete_quietly(old_name))
    return document


def _delete_quietly(name: str) -> None:
    try:
        default_storage.delete(name)
    except OSError:  # a missing file must not fail the request that replaced or dropped it
        logger.warning("could not delete the document file %s", name)


def document_ensure(*, kind: str, source: Any) -> RenderedDocument:
    """The stored document, rendered first when missing or stale: re-running it for the
    same data version is a no-op (the Celery task and the views rely on this)."""
    spec = spec_for(kind)
    source = _fresh(spec, source)
    status = document_current(kind=kind, source=source)
    if status.is_servable and status.document is not None:
        return status.document
    return document_render_and_store(kind=kind, source=source)


def document_unfreeze(*, kind: str, source: Any) -> RenderedDocument | None:
    """Let the document of ``source`` be replaced again (a returned report back to draft).
    Call it inside the transaction of that transition."""
    spec = spec_for(kind)
    document = _stored(kind, spec.id_of(source), lock=True)
    if document is not None and document.is_frozen:
        document.is_frozen = False
        document.save(update_fields=["is_frozen"])
    return document
