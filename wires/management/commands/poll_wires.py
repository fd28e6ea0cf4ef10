from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from articles.middleware import escape_for_log
from wires import ingest, tasks
from wires.models import Provider


class Command(BaseCommand):
    help = (
        "Fetch the wire feeds whose turn has come (or one feed with --provider) and store "
        "their new items. The background worker does this on schedule; run this from cron "
        "every few minutes as a safety net: it also restarts a stopped schedule."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--provider", metavar="ID", help="Fetch this provider now, whether due or not."
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Fetch and report what would be stored, storing nothing.",
        )

    def handle(self, *args, provider=None, dry_run=False, **options):
        if provider is not None:
            chosen = self._provider(provider)
            providers = [chosen] if dry_run else [tasks.claim_now(chosen)]
        elif dry_run:
            providers = list(Provider.objects.filter(active=True))
        else:
            providers = tasks.claim_due()
        if not providers:
            self.stdout.write("No wire feed is due; nothing fetched.")
            return
        what = "Would fetch" if dry_run else "Fetching"
        self.stdout.write(f"{what} {len(providers)} wire feed(s).")
        failed = []
        for item in providers:
            report = self._poll(item, dry_run)
            line = f"{escape_for_log(item.name)} ({item.kind}, id {item.pk}): {report.summary()}"
            if report.ok:
                self.stdout.write(line)
            else:
                failed.append(item)
                self.stderr.write(line)
        self.stdout.write(
            f"Done: {len(providers) - len(failed)} fetched, {len(failed)} failed"
            + (" (dry run: nothing stored)." if dry_run else ".")
        )
        if provider is not None and failed:
            raise CommandError(f"The feed of {escape_for_log(chosen.name)} could not be read.")

    def _poll(self, provider, dry_run: bool) -> ingest.PollReport:
        if not dry_run:
            return ingest.poll(provider)
        with transaction.atomic():
            report = ingest.poll(provider)
            transaction.set_rollback(True)
        return report

    def _provider(self, value: str) -> Provider:
        known = ", ".join(f"{p.pk} ({p.name})" for p in Provider.objects.order_by("pk")[:20])
        if not value.strip().isdigit():
            raise CommandError(f"--provider takes a provider's id (a number), not {value!r}.")
        found = Provider.objects.filter(pk=int(value)).first()
        if found is None:
            raise CommandError(
                f"No wire provider has id {value}. "
                + (
                    f"The providers: {known}."
                    if known
                    else "There are no providers yet: add one in the admin."
                )
            )
        if not found.active:
            raise CommandError(
                f"{escape_for_log(found.name)} is switched off; switch it on in the admin first."
            )
        return found
