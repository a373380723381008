"""Load the seed article's twelve claims and the demo users (idempotent)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from claims.demo import DEFAULT_PASSWORD, USERS, load_demo


class Command(BaseCommand):
    help = "Load the demo claims from the seed article and create the demo users editor, reviewer, viewer."

    def handle(self, *args, **options):
        result = load_demo(password=settings.DEMO_PASSWORD or DEFAULT_PASSWORD)
        shown = "the value of DEMO_PASSWORD" if settings.DEMO_PASSWORD else DEFAULT_PASSWORD
        self.stdout.write(
            f"Demo: {result['claims_created']} claims created, {result['claims']} in the demo set. "
            f"Users {', '.join(USERS)}, password: {shown}."
        )
