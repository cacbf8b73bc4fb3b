"""Template context every page gets (kernel, web layer): the request's Access, as ``access``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from portal.access import NO_ACCESS


def portal(request: HttpRequest) -> dict[str, Any]:
    return {"access": getattr(request, "access", NO_ACCESS)}
