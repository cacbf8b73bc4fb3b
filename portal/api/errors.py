"""How the API answers an error (kernel, API layer): the exception handler DRF is configured
with (settings.REST_FRAMEWORK["EXCEPTION_HANDLER"]) and the site's 404 handler
(config/urls.py ``handler404``), so that no input ever ends in a 500 and every API error is JSON.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.defaults import page_not_found
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from portal.errors import ConflictError


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("Dữ liệu vừa được người khác cập nhật. Hãy đọc lại rồi thử lại.")
    default_code = "conflict"


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The site's 404 handler (config/urls.py): a path under /api/ that matches no route
    (``/api/v1/plans/abc/``) answers JSON like every other API error; a page path gets the page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Không tìm thấy.")}, status=404, json_dumps_params={"ensure_ascii": False})
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
