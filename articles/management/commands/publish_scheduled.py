from django.core.management.base import BaseCommand

from articles import workflow


class Command(BaseCommand):
    help = (
        "Publish scheduled stories that are due and take down expired ones. The worker "
        "(manage.py db_worker) does this on time; run this from cron as a safety net."
    )

    def handle(self, *args, **options):
        done = workflow.publish_due()
        self.stdout.write(f"{done} scheduled change(s) carried out.")
