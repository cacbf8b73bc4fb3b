"""Keyset pagination for the API's lists (kernel, API layer): a cursor of integer columns,
stable while rows are added, and a page that costs the same however deep it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request


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
    # Lazy: read in the language of each request (DRF types it str).
    invalid_cursor_message = gettext_lazy(  # type: ignore[assignment]
        "Con trỏ trang không hợp lệ: hãy dùng nguyên liên kết next/previous.")

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
