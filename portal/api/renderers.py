"""The API's renderers (kernel, API layer): DRF's JSON encoded by orjson, and a list as an
Excel sheet.

Encoding was an eighth of the work of a page of unit reports (66 KB) with the standard library's
encoder; orjson writes the same compact UTF-8 text several times faster. Kept apart from
portal.api.base: DRF imports its renderer classes while rest_framework.views is imported
(openpyxl is imported when a sheet is rendered, not with DRF).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from typing import Any

import orjson
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

from portal.xlsx import cell_put

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_fallback = JSONEncoder()


class PortalJSONRenderer(JSONRenderer):
    """What DRF's JSONRenderer writes with the portal's settings (UTF-8, compact), for any data.

    Types orjson does not know (lazy translations in error messages, decimals, dates) go through
    DRF's own encoder; an indented answer (``Accept: application/json; indent=4``) and anything
    orjson refuses are left to DRF's renderer."""

    def render(self, data: Any, accepted_media_type: str | None = None,
               renderer_context: Mapping[str, Any] | None = None) -> bytes:
        if data is None:
            return b""
        if self.ensure_ascii or not self.compact or self.get_indent(accepted_media_type or "", renderer_context or {}):
            return super().render(data, accepted_media_type, renderer_context)
        try:
            # Dates go through DRF's encoder too: its date-times keep milliseconds and write UTC as Z.
            text = orjson.dumps(data, default=_fallback.default, option=orjson.OPT_PASSTHROUGH_DATETIME)
        except orjson.JSONEncodeError:
            return super().render(data, accepted_media_type, renderer_context)
        # As DRF does: U+2028 and U+2029 are valid JSON but end a line in JavaScript.
        if b"\xe2\x80\xa8" in text or b"\xe2\x80\xa9" in text:
            text = text.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")
        return text


class XLSXRenderer(BaseRenderer):
    """A list as one worksheet: header row from ``view.export_columns``, every row unpaged."""

    media_type = XLSX_MEDIA_TYPE
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(self, data: Any, accepted_media_type: str | None = None,
               renderer_context: Mapping[str, Any] | None = None) -> bytes:
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
