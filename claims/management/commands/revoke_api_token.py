"""Revoke a user's API token by the client name it was created with."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from claims.tokens import revoke_api_token


class Command(BaseCommand):
    help = "Revoke USERNAME's token named --name."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="default")

    def handle(self, *args, username: str, name: str, **options):
        try:
            user = get_user_model().objects.get(username=username)
            revoke_api_token(user=user, name=name)
        except get_user_model().DoesNotExist as error:
            raise CommandError(f"No user {username!r}.") from error
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stderr.write(f"Revoked {username}'s token {name!r}.")
