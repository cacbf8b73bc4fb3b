"""HTML → PDF with WeasyPrint, in the profile's font and nothing else.

The stylesheet is a Django template (documents/styles.css) rendered from the format profile,
so page size, margins, sizes and spacing all come from one place. The font files are the
ones shipped in static/fonts/, given to WeasyPrint as file URLs in @font-face rules; the
HTML goes through ``font_safe`` first, so WeasyPrint never needs a fallback font.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation

from reporting.documents.formatting import font_safe
from reporting.documents.metrics import font_path
from reporting.documents.profiles import STATE, FormatProfile


@dataclass(frozen=True)
class FontFace:
    url: str
    weight: int
    style: str


def font_faces(profile: FormatProfile) -> list[FontFace]:
    return [FontFace(url=font_path(f).resolve().as_uri(), weight=700 if f.bold else 400,
                     style="italic" if f.italic else "normal")
            for f in profile.font_files]


def document_css(profile: FormatProfile) -> str:
    return render_to_string("documents/styles.css", {"profile": profile,
                                                     "fonts": font_faces(profile)})


def render_html(template_name: str, context: dict[str, Any], *, profile: FormatProfile) -> str:
    """The document's HTML, always in Vietnamese: an official document does not follow the
    language a user chose for the portal's pages."""
    with translation.override("vi"):
        return render_to_string(template_name, {
            **context, "profile": profile, "document_css": document_css(profile)})


@dataclass(frozen=True)
class PdfOutput:
    content: bytes
    pages: int


def pdf_from_html(html: str, *, profile: FormatProfile) -> PdfOutput:
    """Lay the HTML out and write the PDF; the page count comes from the layout itself."""
    # Imported here: WeasyPrint loads Pango and fontconfig, which web processes that never
    # render a PDF do not need.
    from weasyprint import HTML

    document = HTML(string=font_safe(html, profile=profile), base_url=None).render()
    content = document.write_pdf()
    return PdfOutput(content=bytes(content or b""), pages=len(document.pages))


def html_to_pdf(html: str, *, profile: FormatProfile = STATE) -> bytes:
    return pdf_from_html(html, profile=profile).content
