"""Which document kinds exist and how each is made: one DocumentSpec per DocumentKind.

The module that builds a document registers its spec at import time (plan.py registers
"plan"). ``autodiscover`` imports every module of this package once, so a new kind needs
only a new module with a ``register(DocumentSpec(...))`` call; storage, the Celery task, the
views and the render_pdf command find it here.
"""

from __future__ import annotations

import importlib
import pkgutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from reporting.documents.profiles import FormatProfile


@dataclass(frozen=True)
class DocumentSpec:
    kind: str  # a reporting.models.DocumentKind value
    template: str  # extends documents/base.html
    # The source by object id inside the active tenant scope; None when it is not visible.
    load: Callable[[int], Any | None]
    profile: Callable[[Any], FormatProfile]
    context: Callable[[Any, FormatProfile], dict[str, Any]]
    # Changes whenever the source or any of its parts changes (stale = stored != current).
    data_version: Callable[[Any], str]
    # (commune_id, province_id) that own the stored document; one of them may be None.
    owner: Callable[[Any], tuple[int | None, int | None]]
    filename: Callable[[Any], str]  # the ASCII download name, "ke-hoach-ba-ngoi-2026.pdf"
    # The communes a task rendering this source must scope to; default [owner commune].
    scope_commune_ids: Callable[[Any], list[int]] | None = None
    object_id: Callable[[Any], int] | None = None  # default: source.pk
    # render_pdf: the command's options → object id (inside a scope-free lookup). Default:
    # the integer given to the kind's option.
    resolve_cli: Callable[[dict[str, Any]], int] | None = None
    # Bump when the template or the context changes what the PDF shows.
    revision: str = "1"
    # The same data version as ``data_version``, read from a context ``context`` just built:
    # a render then reads its source once, not twice (the quarterly documents' content is
    # their largest query set).
    context_data_version: Callable[[dict[str, Any]], str] | None = None
    # What the source cannot be issued without (its signer), in Vietnamese: while this lists
    # anything the PDF is refused with these messages, never printed with a blank signature.
    # Kinds issued by a service of their own (the commune report) check there instead.
    missing: Callable[[Any], list[str]] | None = None

    def id_of(self, source: Any) -> int:
        return int(self.object_id(source) if self.object_id else source.pk)

    def commune_ids_of(self, source: Any) -> list[int]:
        if self.scope_commune_ids is not None:
            return list(self.scope_commune_ids(source))
        commune_id, _province_id = self.owner(source)
        return [commune_id] if commune_id is not None else []


_REGISTRY: dict[str, DocumentSpec] = {}
_discovered = False
_lock = threading.Lock()


def register(spec: DocumentSpec) -> DocumentSpec:
    _REGISTRY[spec.kind] = spec
    return spec


def autodiscover() -> None:
    """Import every module of reporting.documents once, so each registers its kind."""
    global _discovered
    if _discovered:
        return
    with _lock:
        if _discovered:
            return
        package = importlib.import_module("reporting.documents")
        for module in pkgutil.iter_modules(package.__path__):
            if not module.name.startswith("_"):
                importlib.import_module(f"reporting.documents.{module.name}")
        _discovered = True


def spec_for(kind: str) -> DocumentSpec:
    """The spec of ``kind``; KeyError when no module registered it (yet)."""
    autodiscover()
    return _REGISTRY[kind]


def registered_kinds() -> list[str]:
    autodiscover()
    return sorted(_REGISTRY)
