"""The API's OpenAPI schema (kernel, API layer): the schema class settings name
(DEFAULT_SCHEMA_CLASS), the errors every operation documents, and the bearer-token scheme.

The token scheme is registered here, with the schema class, so it is known before any operation
is described (drf-spectacular reads an operation's authentication through this class).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import get_doc
from rest_framework import serializers

from portal.access import ALL_ROLES
from portal.api.base import PortalAPIView
from portal.api.renderers import XLSX_MEDIA_TYPE
from portal.scoping import tenant_scope


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


class BearerTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """Every bearer authentication (portal.api.authentication.BearerAuthentication and its
    subclasses, such as the portal's personal tokens) as one security scheme."""

    target_class = "portal.api.authentication.BearerAuthentication"
    match_subclasses = True
    name = "personalToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "bearerFormat": "bdh_…",
                "description": "Mã truy cập cá nhân, tạo tại trang “Mã truy cập API” của cổng."}
