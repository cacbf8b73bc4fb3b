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
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import get_doc
from rest_framework import exceptions, serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from campaigns.api.rows import row_reader
from campaigns.selectors.access import resolve_access
from portal.access import NO_ACCESS, Access, Role
from portal.api.renderers import PortalJSONRenderer
from portal.errors import ConflictError
from portal.scoping import tenant_scope
from portal.xlsx import cell_put

ALL_ROLES = frozenset(Role.values)
COMMUNE_READERS = frozenset({Role.COMMUNE_ADMIN, Role.COMMUNE_VIEWER, Role.PROVINCE_REVIEWER})
REVIEWERS = frozenset({Role.PROVINCE_REVIEWER})
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_ROW_LIMIT = 100_000


# --- Schema -------------------------------------------------------------------------------------


class ErrorSerializer(serializers.Serializer):  # type: ignore[type-arg]
    detail = serializers.CharField(help_text="Thông báo lỗi (tiếng Việt)")


# A 400 names the fields in error: {"year": ["Cần nhập một số nguyên hợp lệ."]}; a body that
# is not JSON at all answers {"detail": "…"}.
FIELD_ERRORS_SCHEMA = {
    "type": "object",
    "additionalProperties": {"oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]},
}
ERROR_DESCRIPTIONS = {
    "400": "Dữ liệu gửi lên hoặc bộ lọc không hợp lệ: lỗi theo từng trường",
    "401": "Thiếu mã truy cập, mã không hợp lệ, đã hết hạn hoặc đã bị thu hồi",
    "403": "Vai trò của bạn không dùng được thao tác này",
    "404": "Không tìm thấy: không tồn tại hoặc không thuộc phạm vi của bạn (với danh sách: con trỏ trang "
           "hoặc định dạng không hợp lệ)",
    "409": "Dữ liệu vừa được người khác cập nhật: đọc lại rồi gửi lại với phiên bản mới",
    "429": "Quá nhiều yêu cầu: chờ số giây trong Retry-After rồi gọi lại",
}


class ScopedAutoSchema(AutoSchema):
    """drf-spectacular calls get_queryset() to learn each view's model: inside an empty scope
    the scoped managers answer (with nothing) instead of raising.

    Every operation also documents the errors it can answer (schemathesis checks that no
    status code goes undocumented), and an Excel export is documented as a file."""

    def get_operation(self, *args: Any, **kwargs: Any) -> Any:
        with tenant_scope([]):
            operation = super().get_operation(*args, **kwargs)
        if operation is not None and isinstance(self.view, PortalAPIView):
            for response in operation["responses"].values():
                if XLSX_MEDIA_TYPE in response.get("content", {}):
                    response["content"][XLSX_MEDIA_TYPE] = {"schema": {"type": "string", "format": "binary"}}
            filterset = getattr(self.view, "filterset_class", None)
            if filterset is not None and self.view.action == "list":
                # django-filter reads ?year= (empty) as "no filter on year".
                for parameter in operation.get("parameters", []):
                    if parameter["in"] == "query" and parameter["name"] in filterset.base_filters:
                        parameter["allowEmptyValue"] = True
        return operation

    def get_description(self) -> str:  # type: ignore[override]  # drf-spectacular's signature
        # A view without a docstring of its own must not show the base class's notes.
        description: str = super().get_description()
        return "" if description == get_doc(PortalAPIView) else description

    def _get_response_bodies(self, direction: Any = "response") -> Any:
        responses = super()._get_response_bodies(direction)
        if not isinstance(self.view, PortalAPIView):
            return responses
        for code in self._error_codes():
            if code in responses:
                continue
            body: Any = FIELD_ERRORS_SCHEMA if code == "400" else ErrorSerializer
            responses[code] = self._get_response_for_code(body, code, ["application/json"], direction)
            responses[code]["description"] = ERROR_DESCRIPTIONS[code]
        return responses

    def _error_codes(self) -> list[str]:
        view: Any = self.view  # a PortalAPIView
        writes = self.method != "GET"
        listing = view.action == "list"
        codes = ["401", "404", "429"]
        if writes or (listing and (getattr(view, "filterset_class", None) or view.pagination_class
                                   or view.export_columns or self.get_override_parameters())):
            codes.append("400")
        if writes or (listing and view.required_roles != ALL_ROLES):
            codes.append("403")
        if writes:
            codes.append("409")
        return sorted(codes)


# --- Authentication in the schema ----------------------------------------------------------


class BearerTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "campaigns.api.authentication.BearerTokenAuthentication"
    name = "personalToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "bearerFormat": "bdh_…",
                "description": "Mã truy cập cá nhân, tạo tại trang “Mã truy cập API” của cổng."}


# --- Pagination and rendering ---------------------------------------------------------------


class StableCursorPagination(CursorPagination):
    """Keyset pagination: stable while rows are added, and a page costs the same however deep.

    The order is a view's ``cursor_ordering``: ascending integer columns ending with ``id``, so a
    position is unique. Tenant lists order by their commune first (``("commune_id", "id")``):
    the tenant scope is a list of communes, and PostgreSQL reads a page of them straight off the
    commune index, in order, stopping when the page is full. Ordered by ``id`` alone it either
    walked the primary key and discarded every other province's rows (129,480 rows for 101 at
    national scale) or, ordered by an expression, read and sorted every row of the scope
    (bench/README.md). The cursor holds the last row's columns and the next page starts after
    them: ``(commune_id, id) > (c, i)`` written as ``commune_id >= c AND (commune_id > c OR id > i)``,
    which the planner turns into an index range even when the commune column is a join's.

    A page_size that is not a whole number from 1 to max_page_size is a 400 (DRF would quietly
    fall back to the default size, and a script would never learn its request was wrong)."""

    page_size = 100
    max_page_size = 1000
    page_size_query_param = "page_size"
    ordering: tuple[str, ...] = ("id",)
    invalid_cursor_message = gettext_lazy("Con trỏ trang không hợp lệ: hãy dùng nguyên liên kết next/previous.")

    def get_ordering(self, request: Request, queryset: Any, view: Any) -> tuple[str, ...]:
        return tuple(getattr(view, "cursor_ordering", self.ordering))

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list[Any]:
        """DRF's cursor pagination with a position of several columns and no offset."""
        self.request = request
        self.page_size = self.get_page_size(request)
        self.base_url = request.build_absolute_uri()
        self.ordering = self.get_ordering(request, queryset, view)
        self.cursor = self.decode_cursor(request)
        reverse = bool(self.cursor and self.cursor.reverse)
        position: str | None = self.cursor.position if self.cursor else None  # type: ignore[assignment]
        queryset = queryset.order_by(*(f"-{name}" for name in self.ordering) if reverse else self.ordering)
        if position is not None:
            values = self._position_values(position)
            if values is None:
                raise exceptions.NotFound(self.invalid_cursor_message)
            queryset = queryset.filter(_beyond(self.ordering, values, reverse=reverse))
        results = list(queryset[: self.page_size + 1])
        self.page = results[: self.page_size]
        following = self._get_position_from_instance(results[-1], self.ordering) if len(results) > len(self.page) \
            else None
        if reverse:
            self.page.reverse()
            self.has_next, self.has_previous = position is not None, following is not None
            self.next_position, self.previous_position = position, following
        else:
            self.has_next, self.has_previous = following is not None, position is not None
            self.next_position, self.previous_position = following, position
        self.display_page_controls = self.has_next or self.has_previous
        return self.page

    def decode_cursor(self, request: Request) -> Any:
        """Every cursor this API writes holds a position and no offset; anything else (base64
        that decodes to nothing, a hand-made position) is refused rather than read as page 1."""
        cursor = super().decode_cursor(request)
        if cursor is not None and (cursor.offset or cursor.position is None
                                   or self._position_values(str(cursor.position)) is None):
            raise exceptions.NotFound(self.invalid_cursor_message)
        return cursor

    def _position_values(self, position: str) -> tuple[int, ...] | None:
        parts = position.split(".")
        if len(parts) != len(self.ordering) or not all(
                part.isascii() and part.isdigit() and len(part) < 19 for part in parts):
            return None
        return tuple(int(part) for part in parts)

    def _get_position_from_instance(self, instance: Any, ordering: Sequence[str]) -> str:
        if isinstance(instance, dict):
            return ".".join(str(instance[name]) for name in ordering)
        return ".".join(str(getattr(instance, name)) for name in ordering)

    def get_page_size(self, request: Request) -> int:
        values = request.query_params.getlist(self.page_size_query_param)
        if not values:
            return self.page_size
        raw = values[-1]
        if len(values) > 1 or not raw.isdigit() or not 1 <= int(raw) <= self.max_page_size:
            raise exceptions.ValidationError({self.page_size_query_param: [
                _("Phải là số nguyên từ 1 đến %(max)d.") % {"max": self.max_page_size}]})
        return int(raw)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters: list[dict[str, Any]] = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
                parameter["description"] = (f"Số dòng mỗi trang (mặc định {self.page_size}, "
                                            f"tối đa {self.max_page_size})")
            else:
                parameter["description"] = "Con trỏ trang: lấy nguyên từ liên kết next/previous"
        return parameters


def _beyond(columns: Sequence[str], values: Sequence[int], *, reverse: bool) -> Q:
    """Rows after (before, reversed) a position in the order of ``columns``: the row comparison
    ``(a, b) > (x, y)`` spelled ``a >= x AND (a > x OR b > y)`` (see StableCursorPagination)."""
    strict, loose = ("lt", "lte") if reverse else ("gt", "gte")
    first, rest = columns[0], columns[1:]
    if not rest:
        return Q(**{f"{first}__{strict}": values[0]})
    return Q(**{f"{first}__{loose}": values[0]}) & (
        Q(**{f"{first}__{strict}": values[0]}) | _beyond(rest, values[1:], reverse=reverse))


class XLSXRenderer(BaseRenderer):
    """A list as one worksheet: header row from ``view.export_columns``, every row unpaged."""

    media_type = XLSX_MEDIA_TYPE
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(self, data: Any, accepted_media_type: str | None = None,
               renderer_context: dict[str, Any] | None = None) -> bytes:
        from openpyxl import Workbook

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


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The site's 404 handler (config/urls.py): a path under /api/ that matches no route
    (``/api/v1/plans/abc/``) answers JSON like every other API error; a page path gets the page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Không tìm thấy.")}, status=404, json_dumps_params={"ensure_ascii": False})
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


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
    elif isinstance(exc, exceptions.NotAuthenticated):
        # DRF's own message has no Vietnamese translation; WWW-Authenticate stays.
        auth_header = getattr(exc, "auth_header", None)
        exc = exceptions.NotAuthenticated(_("Thiếu mã truy cập: gửi tiêu đề “Authorization: Bearer <mã>”."))
        exc.auth_header = auth_header  # type: ignore[attr-defined]
    return drf_exception_handler(exc, context)


# --- The base view -------------------------------------------------------------------------


class PortalAPIView(GenericAPIView):  # type: ignore[type-arg]
    """Authenticated, scoped, role-guarded.

    ``required_roles``: who may call the endpoint at all. Another role gets 404 on an object
    (as for a foreign one, the pages' rule) and 403 on a list. The roles are also kept on the
    view function for the isolation matrix (tests/routes.py).
    ``readable_by``: a write that only ``required_roles`` may make on an object more roles can
    read lets those readers past the gate, so they learn 403 (not 404) once the object is found.
    """

    permission_classes = [IsAuthenticated]
    pagination_class = StableCursorPagination
    required_roles: frozenset[str] = ALL_ROLES
    readable_by: frozenset[str] | None = None
    post_only = False
    # Excel export of a list: (field, column title) pairs; empty means no xlsx for this view.
    export_columns: Sequence[tuple[str, Any]] = ()
    export_title = "Du lieu"
    # The order of a list, and the columns of its cursor (StableCursorPagination): integer
    # columns ending with "id". Tenant lists put their commune column first.
    cursor_ordering: tuple[str, ...] = ("id",)
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
        web_request = request._request
        if isinstance(request.successful_authenticator, SessionAuthentication) and hasattr(web_request, "access"):
            access = web_request.access  # the web middleware resolved it for this same session user
        else:
            access = resolve_access(request.user)
        web_request.access = access  # type: ignore[attr-defined]
        self._scope_stack.enter_context(tenant_scope(access.commune_ids))
        method = (request.method or "").lower()
        if method not in self.http_method_names or not hasattr(self, method):
            # An undeclared method is a 405 whoever asks, before the role decides 403 or 404.
            raise exceptions.MethodNotAllowed(method.upper())
        if access.role not in (self.readable_by or self.required_roles):
            if kwargs:
                raise Http404
            raise exceptions.PermissionDenied(_("Vai trò của bạn không dùng được mục này."))

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        if response.status_code >= 400 and isinstance(getattr(request, "accepted_renderer", None), XLSXRenderer):
            # An error is JSON even when a sheet was asked for: a script can read it.
            request.accepted_renderer = PortalJSONRenderer()
            request.accepted_media_type = PortalJSONRenderer.media_type
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
        """A page of ``queryset`` as JSON, or every row as a sheet for ``?format=xlsx``.

        Rows are read with values() and represented by the serializer's RowReader (rows.py)."""
        reader = row_reader(self.get_serializer_class())
        queryset = self.filter_queryset(queryset)
        if self.exporting:
            columns = [key for key, _label in self.export_columns]
            rows = list(reader.values(queryset.order_by(*self.cursor_ordering), fields=columns)[: EXPORT_ROW_LIMIT + 1])
            if len(rows) > EXPORT_ROW_LIMIT:
                raise exceptions.ValidationError({"format": [
                    _("Bảng tính quá %(limit)d dòng: hãy lọc bớt (theo năm, quý, xã…).") % {"limit": EXPORT_ROW_LIMIT}]})
            response = Response(reader.represent(rows, fields=columns))
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
            response["Content-Disposition"] = f'attachment; filename="{self.export_title}-{stamp}.xlsx"'
            return response
        if self.paginator is None:  # a list that is always short: every row, no pages
            return Response(reader.represent(list(reader.values(queryset.order_by(*self.cursor_ordering)))))
        page = self.paginate_queryset(reader.values(queryset, extra=self.cursor_ordering)) or []
        return self.get_paginated_response(reader.represent(page))


def require_roles(view: PortalAPIView, roles: Iterable[str]) -> None:
    """For a write on an object the user can see: another role is refused with 403."""
    if view.access.role not in set(roles):
        raise exceptions.PermissionDenied(_("Chỉ chuyên viên tỉnh được thực hiện thao tác này."))

