from django.core.management.base import BaseCommand

from interchange import delivery


class Command(BaseCommand):
    help = (
        "Safety net for webhooks, like publish_scheduled for the schedule: carry out every "
        "delivery whose time came more than a minute ago and that no worker has taken "
        "(its job was lost, or no worker runs). Run it from cron every few minutes."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="List the overdue deliveries, send nothing."
        )

    def handle(self, *args, dry_run=False, **options):
        due = list(delivery.overdue().select_related("endpoint", "event"))
        for item in due:
            outcome = "would be sent" if dry_run else delivery.attempt(item.pk)
            self.stdout.write(
                f"{item.webhook_id} {item.event.type} → {item.endpoint.url}: {outcome}"
            )
        self.stdout.write(f"{len(due)} overdue deliveries.")
