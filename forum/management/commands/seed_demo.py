from django.core.management.base import BaseCommand

from accounts.demo import DEMO_PASSWORD, PEOPLE, seed_people


class Command(BaseCommand):
    help = "Load demo people (and, as the forum grows, demo content). Safe to run again."

    def handle(self, *args, **options):
        users = seed_people()
        self.stdout.write(self.style.SUCCESS(f"Demo people ready: {len(users)}."))
        for person in PEOPLE:
            role = "staff" if person.staff else "moderator" if person.moderator else "customer"
            self.stdout.write(f"  {person.username:<8} ({role}) password: {DEMO_PASSWORD}")
