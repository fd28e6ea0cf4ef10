from django.core.management.base import BaseCommand
from django.utils import timezone

from newsletters import schedule, sending


class Command(BaseCommand):
    help = (
        "Safety net for the newsletters, like publish_scheduled for stories: do what each "
        "newsletter's schedule has due (draft the day's edition, send an approved one at "
        "its send time), restarting a schedule that stopped, and carry on any send whose "
        "job was lost. The background worker does all this on time; run this from cron "
        "every few minutes."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Say what is due, do nothing.",
        )

    def handle(self, *args, dry_run=False, **options):
        if dry_run:
            stalled = schedule.stalled()
            self.stdout.write(
                f"{len(stalled)} stalled sends: {', '.join(map(str, stalled)) or '-'}"
            )
            return
        for newsletter in schedule.claim_due():
            self.stdout.write(f"{newsletter.name}: {schedule.run(newsletter, timezone.now())}")
        for edition in schedule.stalled():
            # One batch here; it queues the next for the worker (or the next cron run).
            self.stdout.write(f"{edition}: resumed, {sending.run_batch(edition.pk)}")
