"""The errors every layer shares."""

from __future__ import annotations

from django.utils.translation import gettext as _


class ConflictError(Exception):
    """Someone else saved the same plan or report first; the user must reload (HTTP 409)."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or _("Dữ liệu vừa được người khác cập nhật. Vui lòng tải lại trang rồi sửa lại."))
