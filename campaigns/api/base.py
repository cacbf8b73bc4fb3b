"""What every API view shares: authentication, the tenant scope, role guards, pagination,
throttling, errors and the Excel rendering of lists.

The scope is entered here, once, after DRF has authenticated the request (a token user is
unknown to the web middleware, which therefore runs the request in an empty scope).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import ExitStack
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from rest_framework import exceptions, status
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from campaigns.access import NO_ACCESS, Access, resolve_access
from campaigns.models import Role
from campaigns.scoping import tenant_scope
from campaigns.services import ConflictError

ALL_ROLES = frozenset(Role.values)
COMMUNE_READERS = frozenset({Role.COMMUNE_ADMIN, Role.COMMUNE_VIEWER, Role.PROVINCE_REVIEWER})
REVIEWERS = frozenset({Role.PROVINCE_REVIEWER})
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_ROW_LIMIT = 100_000


# --- Schema -------------------------------------------------------------------------------------


class ScopedAutoSchema(AutoSchema):
    """drf-spectacular calls get_queryset() to learn each view's model: inside an empty scope
    the scoped managers answer (with nothing) instead of raising."""

    def get_operation(self, *args: Any, **kwargs: Any) -> Any:
        with tenant_scope([]):
            return super().get_operation(*args, **kwargs)


# --- Authentication in the schema ----------------------------------------------------------


class BearerTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "campaigns.api.authentication.BearerTokenAuthentication"
    name = "personalToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "bearerFormat": "bdh_…",
                "description": "Mã truy cập cá nhân, tạo tại trang “Mã truy cập API” của cổng."}


# --- Pagination and rendering ---------------------------------------------------------------


class StableCursorPagination(CursorPagination):
    """Cursor pagination: stable while rows are added, constant cost however deep the page."""

    page_size = 100
    max_page_size = 1000
    page_size_query_param = "page_size"
    ordering = ("id",)


class XLSXRenderer(BaseRenderer):
    """A list as one worksheet: header row from ``view.export_columns``, every row unpaged."""

    media_type = XLSX_MEDIA_TYPE
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(self, data: Any, accepted_media_type: str | None = None,
               renderer_context: dict[str, Any] | None = None) -> bytes:
        from openpyxl import Workbook

        from campaigns.workbook import cell_put

        view = (renderer_context or {}).get("view")
        columns: Sequence[tuple[str, str]] = getattr(view, "export_columns", ())
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = str(getattr(view, "export_title", "Du lieu"))[:31]
        for col, (_key, label) in enumerate(columns, start=1):
            cell_put(sheet, 1, col, str(label)).font = _bold()
        for row_number, row in enumerate(data, start=2):
            for col, (key, _label) in enumerate(columns, start=1):
                cell_put(sheet, row_number, col, _cell_value(row.get(key)))
        sheet.freeze_panes = "A2"
        out = BytesIO()
        workbook.save(out)
        return out.getvalue()


def _bold() -> Any:
    from openpyxl.styles import Font

    return Font(bold=True)


def _cell_value(value: Any) -> Any:
    if value is None or isinstance(value, (int, float, bool)):
        return value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, str):
        try:
            return float(Decimal(value)) if _looks_decimal(value) else value
        except ArithmeticError:
            return value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


def _looks_decimal(text: str) -> bool:
    # DRF serialises decimals as strings ("12.50"); a sheet wants numbers. Codes such as
    # "0123" stay text (a leading zero is meaningful).
    stripped = text.lstrip("-")
    return bool(stripped) and stripped.replace(".", "", 1).isdigit() and not (
        len(stripped) > 1 and stripped[0] == "0" and stripped[1] != ".")


# --- Errors ----------------------------------------------------------------------------------


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("Dữ liệu vừa được người khác cập nhật. Hãy đọc lại rồi thử lại.")
    default_code = "conflict"


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus the portal's own exceptions: a service's ValidationError is a 400
    with field errors, a ConflictError a 409, a missing object a 404; never a 500 for input."""
    if isinstance(exc, DjangoValidationError):
        detail: Any = exc.message_dict if hasattr(exc, "error_dict") else {api_settings.NON_FIELD_ERRORS_KEY: exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, ConflictError):
        exc = Conflict(str(exc))
    elif isinstance(exc, (ObjectDoesNotExist, Http404)):
        # One answer for a foreign object and a missing one, without naming the model.
        exc = exceptions.NotFound()
    return drf_exception_handler(exc, context)


# --- The base view -------------------------------------------------------------------------


class PortalAPIView(GenericAPIView):  # type: ignore[type-arg]
    """Authenticated, scoped, role-guarded.

    ``required_roles``: who may call the endpoint at all. Another role gets 404 on an object
    (as for a foreign one, the pages' rule) and 403 on a list. The roles are also kept on the
    view function for the isolation matrix (tests/routes.py).
    """

    permission_classes = [IsAuthenticated]
    pagination_class = StableCursorPagination
    required_roles: frozenset[str] = ALL_ROLES
    post_only = False
    # Excel export of a list: (field, column title) pairs; empty means no xlsx for this view.
    export_columns: Sequence[tuple[str, Any]] = ()
    export_title = "Du lieu"
    # How drf-spectacular tells a list (paginated, filtered) from one object; list views say "list".
    action = "retrieve"

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Any:
        view = super().as_view(**initkwargs)
        view.required_roles = cls.required_roles
        view.post_only = cls.post_only
        return view

    def get_renderers(self) -> list[BaseRenderer]:
        renderers = super().get_renderers()
        if self.export_columns and self.action == "list":
            renderers.append(XLSXRenderer())
        return renderers

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        with ExitStack() as stack:
            self._scope_stack = stack
            return super().dispatch(request, *args, **kwargs)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # authentication, permissions, throttles
        access = resolve_access(request.user)
        request._request.access = access  # type: ignore[attr-defined]
        self._scope_stack.enter_context(tenant_scope(access.commune_ids))
        if access.role not in self.required_roles:
            if kwargs:
                raise Http404
            raise exceptions.PermissionDenied(_("Vai trò của bạn không dùng được mục này."))

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        if response.status_code >= 400 and isinstance(getattr(request, "accepted_renderer", None), XLSXRenderer):
            # An error is JSON even when a sheet was asked for: a script can read it.
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    @property
    def access(self) -> Access:
        # NO_ACCESS while drf-spectacular inspects the view without a request of a user.
        return getattr(self.request._request, "access", NO_ACCESS)  # type: ignore[no-any-return]

    @property
    def exporting(self) -> bool:
        renderer = getattr(self.request, "accepted_renderer", None)
        return isinstance(renderer, XLSXRenderer)

    def list_response(self, queryset: Any) -> Response:
        """A page of ``queryset`` as JSON, or every row as a sheet for ``?format=xlsx``."""
        queryset = self.filter_queryset(queryset)
        if self.exporting:
            rows = list(queryset[: EXPORT_ROW_LIMIT + 1])
            if len(rows) > EXPORT_ROW_LIMIT:
                raise exceptions.ValidationError(
                    _("Bảng tính quá %(limit)d dòng: hãy lọc bớt (theo năm, quý, xã…).") % {"limit": EXPORT_ROW_LIMIT})
            response = Response(self.get_serializer(rows, many=True).data)
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
            response["Content-Disposition"] = f'attachment; filename="{self.export_title}-{stamp}.xlsx"'
            return response
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


def require_roles(view: PortalAPIView, roles: Iterable[str]) -> None:
    """For a write on an object the user can see: another role is refused with 403."""
    if view.access.role not in set(roles):
        raise exceptions.PermissionDenied(_("Chỉ chuyên viên tỉnh được thực hiện thao tác này."))

