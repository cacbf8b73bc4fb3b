"""Print a new personal API token for a user (for scripts and first setup)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from campaigns.selectors.access import resolve_access
from campaigns.services.api_tokens import DEFAULT_DAYS, api_token_create
from portal.scoping import tenant_scope


class Command(BaseCommand):
    help = "Create a personal API token for USERNAME and print it (shown once, stored hashed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="A name to tell the token apart")
        parser.add_argument("--days", type=int, default=DEFAULT_DAYS, help="Days until it expires")

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user {options['username']!r}.")
        # The audit entry belongs to the user's commune: write it inside that scope.
        with tenant_scope(resolve_access(user).commune_ids):
            try:
                created = api_token_create(user=user, name=options["name"], days=options["days"])
            except ValidationError as error:
                raise CommandError("; ".join(error.messages)) from None
        self.stderr.write(f"Token {created.token.name!r} for {user.username}, expires "
                          f"{created.token.expires_at:%Y-%m-%d %H:%M %Z}. It is not shown again:")
        self.stdout.write(created.secret)
