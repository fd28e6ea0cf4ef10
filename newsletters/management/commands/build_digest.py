from datetime import date, timedelta
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from newsletters import digest, render
from newsletters.models import Edition, Newsletter


class Command(BaseCommand):
    help = (
        "Print one newsletter edition, built from the live copies of its stories. Its first "
        "line is the Smart Brevity count ('Smart Brevity count: N words, M minutes'). With "
        "--date, the edition of that day: the one editors arranged if it exists, otherwise "
        "the stories of the 24 hours (the newsletter's window) up to its send time. "
        "Without, today's arranged edition if there is one, otherwise the stories of the "
        "window up to now. Sends nothing and changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", metavar="YYYY-MM-DD", help="The day of the edition.")
        parser.add_argument(
            "--newsletter", metavar="SLUG", help="Which newsletter (default: the first one)."
        )
        parser.add_argument(
            "--format",
            default="text",
            metavar="html|text",
            help="The HTML mail (as sent: CSS inlined) or its plain-text part (default).",
        )
        parser.add_argument(
            "--output",
            metavar="PATH",
            help="Write the edition to PATH; the count line is still printed here.",
        )

    def handle(self, *args, **options):
        fmt, output = options["format"], options["output"]
        if fmt not in ("html", "text"):
            raise CommandError(f"--format must be html or text, not {fmt!r}.")
        day = self._day(options["date"])
        chosen = self._newsletter(options["newsletter"])
        content = self._digest(chosen, day)
        rendered = render.render(content).preview()
        document = rendered.html if fmt == "html" else rendered.text
        if output:
            self._write(Path(output), document)
            self.stdout.write(content.count_line)
            self.stdout.write(
                f"Wrote the {fmt} edition to {output} ({len(document.encode()):,} bytes)."
            )
        elif fmt == "html":
            # The count first, as promised, then the document as it is sent.
            self.stdout.write(content.count_line)
            self.stdout.write(document, ending="")
        else:
            self.stdout.write(document, ending="")
        if content.is_empty:
            self.stderr.write("No story is in this edition: none was published in its window.")
        if fmt == "html" and rendered.clipped:
            self.stderr.write(
                f"Warning: the HTML is {rendered.size:,} bytes; Gmail cuts mails above "
                f"{render.GMAIL_CLIP_BYTES:,}. Drop stories before sending it."
            )

    def _day(self, raw: str | None) -> date | None:
        if raw is None:
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise CommandError(
                f"--date must be a day written YYYY-MM-DD, like 2026-11-29, not {raw!r}."
            ) from None

    def _newsletter(self, slug: str | None) -> Newsletter:
        newsletters = Newsletter.objects.all()
        found = (
            newsletters.filter(slug=slug).first()
            if slug
            else newsletters.filter(active=True).first()
        )
        if found is not None:
            return found
        known = ", ".join(newsletters.values_list("slug", flat=True))
        if slug:
            raise CommandError(
                f"There is no newsletter {slug!r}. "
                + (f"Newsletters: {known}." if known else "There is no newsletter at all.")
            )
        raise CommandError(
            "There is no active newsletter: add one in the admin, under Newsletters."
        )

    def _digest(self, newsletter: Newsletter, day: date | None) -> digest.Digest:
        now = timezone.now()
        wanted = day or timezone.localdate(now)
        edition = Edition.objects.filter(newsletter=newsletter, date=wanted).first()
        if edition is not None:
            return digest.for_edition(edition)
        if day is not None:
            start, end = newsletter.window(day)
        else:
            start, end = now - timedelta(hours=newsletter.window_hours), now
        return digest.for_window(newsletter, wanted, start, end)

    def _write(self, path: Path, document: str) -> None:
        try:
            path.write_text(document, encoding="utf-8")
        except OSError as error:
            raise CommandError(f"Cannot write {path}: {error.strerror or error}.") from None
