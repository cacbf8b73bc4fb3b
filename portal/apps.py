from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The kernel: scoping, access, errors, text, formats, hooks and base classes that every
    domain app builds on. It imports no domain app."""

    name = "portal"
    verbose_name = "Portal kernel"
