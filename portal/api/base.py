"""What every API view shares (kernel, API layer): the tenant scope, the role guards, the
answer of a list (a page of JSON, or every row as a sheet) and the roles' groups.

The scope is entered here, once, after DRF has authenticated the request (a token user is
unknown to the web middleware, which therefore runs the request in an empty scope). Who the
caller is to the portal (their Access) is the organisation's to say: the function named by
``settings.PORTAL_ACCESS_RESOLVER`` (campaigns.selectors.access.resolve_access), so the kernel
imports no app. The authentication and throttle classes are named in settings.REST_FRAMEWORK;
errors are portal.api.errors, the schema portal.api.schema.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import ExitStack
from typing import Any

from django.conf import settings
from django.http import Http404
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from portal.access import ALL_ROLES, NO_ACCESS, Access
from portal.api.pagination import StableCursorPagination
from portal.api.renderers import PortalJSONRenderer, XLSXRenderer
from portal.api.rows import row_reader
from portal.scoping import tenant_scope

EXPORT_ROW_LIMIT = 100_000


def caller_access(user: Any) -> Access:
    """The Access of an authenticated API caller, read by the resolver the settings name
    (``PORTAL_ACCESS_RESOLVER``), looked up on each call."""
    resolver = import_string(settings.PORTAL_ACCESS_RESOLVER)
    return resolver(user)  # type: ignore[no-any-return]


class PortalAPIView(GenericAPIView):  # type: ignore[type-arg]
    """Authenticated, scoped, role-guarded.

    ``required_roles``: who may call the endpoint at all. Another role gets 404 on an object
    (as for a foreign one, the pages' rule) and 403 on a list. The roles are also kept on the
    view function for the isolation matrix (tests/routes.py).
    ``readable_by``: a write that only ``required_roles`` may make on an object more roles can
    read lets those readers past the gate, so they learn 403 (not 404) once the object is found.
    """

    permission_classes = [IsAuthenticated]
    pagination_class: type[StableCursorPagination] | None = StableCursorPagination
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
        view: Any = super().as_view(**initkwargs)
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
            access = caller_access(request.user)
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

