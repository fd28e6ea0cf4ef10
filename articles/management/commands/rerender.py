"""``manage.py rerender``: render the published stories whose stored HTML is missing or
stale (after a deploy that changed a template, say), so no reader waits for it.

Readers never see a stale rendering either way: the next reader of a story renders it
when it is stale (``articles.rendering``). This only does the work ahead of them, in
batches, with progress. ``--all`` renders every published story again.
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from articles import rendering
from articles.models import Story


class Command(BaseCommand):
    help = "Render the published stories whose stored HTML is missing or stale (--all: every one)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--all", action="store_true", help="Render every published story, fresh or not."
        )
        parser.add_argument(
            "--batch",
            type=int,
            default=500,
            metavar="N",
            help="Stories per transaction (default 500).",
        )

    def handle(self, *args, all=False, batch=500, **options):
        if batch < 1:
            raise CommandError("--batch must be 1 or more.")
        try:
            todo = list(
                (Story.objects.published() if all else rendering.stale_stories())
                .order_by("pk")
                .values_list("pk", flat=True)
            )
        except DatabaseError as error:
            raise CommandError(f"Could not read the database: {error}") from error
        total = len(todo)
        what = "published stories" if all else "stories with missing or stale HTML"
        self.stdout.write(f"{total:,} {what} to render.")
        started = time.monotonic()
        done = 0
        for start in range(0, total, batch):
            ids = todo[start : start + batch]
            rendering.render_many(list(Story.objects.filter(pk__in=ids).only("pk")))
            done += len(ids)
            elapsed = time.monotonic() - started
            rate = done / elapsed if elapsed else 0
            left = (total - done) / rate if rate else 0
            self.stderr.write(
                f"Rendered {done:,} of {total:,} ({done * 100 // total}%), "
                f"{rate:,.0f} a second, about {left:,.0f} s left."
            )
        self.stdout.write(
            self.style.SUCCESS(f"Rendered {done:,} stories in {time.monotonic() - started:.1f} s.")
        )
