"""Print a new API token for a user (and nothing else on stdout)."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from claims.tokens import create_api_token


class Command(BaseCommand):
    help = "Create an API token for USERNAME; send it as 'Authorization: Bearer <token>'."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--name", default="default", help="The client this token is for (unique per user)."
        )
        parser.add_argument(
            "--expires-days", type=int, default=None, help="Days until it expires (default: never)."
        )

    def handle(self, *args, username: str, name: str, expires_days: int | None, **options):
        try:
            user = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist as error:
            raise CommandError(f"No user {username!r}.") from error
        try:
            token = create_api_token(
                user=user,
                name=name,
                expires_in=timedelta(days=expires_days) if expires_days is not None else None,
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(token)
