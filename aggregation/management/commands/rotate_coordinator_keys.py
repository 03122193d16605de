"""``manage.py rotate_coordinator_keys``: a new active key pair; older keys expire."""

from django.core.management.base import BaseCommand

from aggregation.keys import rotate_keys


class Command(BaseCommand):
    help = "Create a new coordinator key pair and expire the active ones (they still decrypt)."

    def handle(self, *args, **options) -> None:
        key = rotate_keys()
        self.stdout.write(f"Active coordinator key: {key.key_id} (public {key.public_key})")
