from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from marketplace import demo


class Command(BaseCommand):
    help = "Load the demo corpus, organisations and demo accounts (safe to run twice)."

    def add_arguments(self, parser):
        parser.add_argument("--size", type=int, default=0, help="extra generated achievements")

    def handle(self, *args, size: int, **options):
        if not settings.ALLOW_DEMO_DATA:
            raise CommandError("Demo data is refused by these settings (production).")
        result = demo.seed(size=size)
        loaded = result["loaded"]
        self.stdout.write(
            f"Loaded {loaded['achievements']} new achievements, {loaded['needs']} new needs, "
            f"{loaded['generated']} generated, {loaded['contracts']} new demo contracts."
        )
        self.stdout.write(f"Demo accounts (password: {demo.DEMO_PASSWORD}):")
        for email, role, org in result["accounts"]:
            self.stdout.write(f"  {email:<26} {role:<10} {org}")
