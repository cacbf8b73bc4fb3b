"""Evidence (minh chứng) of a unit report: an uploaded file or a link.

Files are checked by extension AND by their first bytes: a renamed executable or an HTML page
saved as ".pdf" is refused, since evidence is downloaded and opened by commune and province
officials. Files are served only through the authorised download view, never from a public
media URL.
"""

from __future__ import annotations

import os
import zipfile
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from campaigns.services.audit import audit_record
from portal.access import Access
from portal.text import nfc
from reporting.models import Evidence, EvidenceKind, UnitReport
from reporting.services import unit_reports as services

MAX_BYTES = 10 * 1024 * 1024
DESCRIPTION_MAX = 300
URL_MAX = 500

# The content type is ours, from the checked extension, never the browser's claim.
ALLOWED_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_MAGIC: dict[str, tuple[bytes, ...]] = {
    "pdf": (b"%PDF-",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
}
# An Office Open XML file is a zip; these parts tell a Word document from a workbook.
_OOXML_PART = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}


def allowed_extensions_label() -> str:
    return ", ".join(ext.upper() for ext in ALLOWED_TYPES if ext != "jpeg")


def file_extension(name: str) -> str:
    return os.path.splitext(name)[1].lower().lstrip(".")


def _content_matches(file: UploadedFile, ext: str) -> bool:
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    if not any(head.startswith(magic) for magic in _MAGIC[ext]):
        return False
    part = _OOXML_PART.get(ext)
    if part is None:
        return True
    try:
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    finally:
        file.seek(0)
    return part in names and "[Content_Types].xml" in names


def _validate_file(file: UploadedFile) -> tuple[str, str]:
    """(safe file name, content type) of an acceptable upload; ValidationError otherwise."""
    ext = file_extension(file.name or "")
    if ext not in ALLOWED_TYPES:
        raise ValidationError({"file": _("Chỉ nhận tệp %(types)s.") % {"types": allowed_extensions_label()}})
    if not file.size:
        raise ValidationError({"file": _("Tệp rỗng, không có nội dung.")})
    if file.size > MAX_BYTES:
        raise ValidationError({"file": _("Tệp quá lớn (%(size)s MB): tối đa 10 MB.")
                               % {"size": round(file.size / 1024 / 1024, 1)}})
    if not _content_matches(file, ext):
        raise ValidationError({"file": _("Nội dung tệp không phải định dạng .%(ext)s (có thể tệp đã bị đổi "
                                         "đuôi). Chỉ nhận tệp %(types)s.")
                               % {"ext": ext, "types": allowed_extensions_label()}})
    stem = nfc(os.path.splitext(os.path.basename(file.name or ""))[0])[:100]
    name = get_valid_filename(f"{stem or 'minh-chung'}.{ext}")
    return name, ALLOWED_TYPES[ext]


def _validate_url(url: str) -> str:
    url = nfc(url or "")
    if not url:
        raise ValidationError({"url": _("Nhập đường dẫn minh chứng.")})
    if len(url) > URL_MAX:
        raise ValidationError({"url": _("Đường dẫn dài quá %(n)s ký tự.") % {"n": URL_MAX}})
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise ValidationError(
            {"url": _("Đường dẫn không hợp lệ: phải bắt đầu bằng http:// hoặc https://.")}) from None
    return url


@transaction.atomic
def evidence_add(*, report: UnitReport, actor: Any, kind: str, file: UploadedFile | None = None,
                 url: str = "", description: str = "", today: date | None = None) -> Evidence:
    """Attach a file or a link to a report that can still be edited; audited on the report."""
    # The row lock orders this against a concurrent submit or review of the same report.
    locked = services.unit_report_lock(report, None)
    services.unit_report_check_editable(locked, today=today)
    description = nfc(description or "")
    if len(description) > DESCRIPTION_MAX:
        raise ValidationError({"description": _("Mô tả dài quá %(n)s ký tự.") % {"n": DESCRIPTION_MAX}})
    evidence = Evidence(report=locked, kind=kind, description=description,
                        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None)
    if kind == EvidenceKind.FILE:
        if file is None:
            raise ValidationError({"file": _("Chọn tệp minh chứng.")})
        name, content_type = _validate_file(file)
        evidence.content_type, evidence.size = content_type, file.size or 0
        evidence.file.save(name, file, save=False)
        label = evidence.description or name
    elif kind == EvidenceKind.LINK:
        evidence.url = _validate_url(url)
        label = evidence.description or evidence.url
    else:
        raise ValidationError({"kind": _("Loại minh chứng không hợp lệ.")})
    try:
        evidence.save()
        audit_record(commune=locked.unit.commune, actor=actor, action="report.evidence_add",
                     target=locked, changes={"evidence": [None, label]})
    except Exception:
        # The row is rolled back with the transaction; do not leave its file behind.
        if evidence.file:
            evidence.file.delete(save=False)
        raise
    return evidence


def evidence_file_get(*, access: Access, pk: int) -> Evidence:
    """An evidence file the user may read: as for its report, a reporter only their own unit's."""
    evidence: Evidence = get_object_or_404(Evidence.objects.select_related("report__unit"), pk=pk,
                                 kind=EvidenceKind.FILE)
    if not access.can_see_unit(evidence.report.unit):
        raise Http404
    return evidence


def download_name(evidence: Evidence) -> str:
    return os.path.basename(evidence.file.name or "")
