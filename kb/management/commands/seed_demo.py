from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.demo import DEMO_PASSWORD, PEOPLE, seed_people
from forum.demo import seed_content
from kb.demo import seed_articles
from reputation.demo import date_pending_events


class Command(BaseCommand):
    help = "Load demo people and demo forum content. Safe to run again: a second run changes nothing."

    # One transaction: the reputation events the seed records are applied after it commits,
    # once they are dated when their votes and acceptances happened (reputation/demo.py).
    @transaction.atomic
    def handle(self, *args, **options):
        users = seed_people()
        self.stdout.write(self.style.SUCCESS(f"Demo people ready: {len(users)}."))
        for person in PEOPLE:
            self.stdout.write(f"  {person.username:<8} ({person.role}) password: {DEMO_PASSWORD}")
        counts = seed_content(users)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo content: {counts['questions']} questions, {counts['answers']} answers, "
                f"{counts['comments']} comments, {counts['votes']} votes, "
                f"{counts['accepted']} accepted answers, {counts['unanswered']} unanswered, "
                f"across {counts['tags']} tags ({counts['created']} new posts this run)."
            )
        )
        date_pending_events(question_ids=counts["question_ids"], accepted_at=counts["accepted_at"])
        articles = seed_articles(users, counts["question_ids"])
        self.stdout.write(self.style.SUCCESS(f"Demo knowledge base: {articles} articles."))
