import codecs
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError, ProgrammingError, transaction
from django.urls import NoReverseMatch, reverse

from articles.importer import ImportResult, import_copy
from articles.models import Section
from articles.parser import MAX_COPY_CHARS, ParseError, is_blank
from articles.richtext import html_to_text
from articles.text import word_count

#: The parser's cap: UTF-8 has at least a byte a character, so a file within it never
#: holds more characters than the parser reads.
MAX_BYTES = MAX_COPY_CHARS
TOO_LARGE = f"the file is larger than {MAX_BYTES // 1024} KB, far more than a story"
# Share of control bytes above which a file is taken for binary rather than text.
BINARY_SHARE = 0.1
_TEXT_CONTROLS = frozenset(b"\t\n\r\f\v")


def _looks_binary(data: bytes) -> bool:
    if b"\x00" in data:
        return True
    sample = data[:8192]
    controls = sum(
        1 for byte in sample if (byte < 32 and byte not in _TEXT_CONTROLS) or byte == 127
    )
    return controls > BINARY_SHARE * len(sample)


def read_copy(path: str) -> str:
    """The text of the file at ``path``; CommandError, in one line, when it is not copy."""
    file = Path(path)
    try:
        if file.is_dir():
            raise CommandError(f"{path}: is a folder; give the path of a plain-text file.")
        if not file.exists():
            raise CommandError(f"{path}: no such file.")
        if not file.is_file():
            raise CommandError(f"{path}: is not a regular file.")
        if file.stat().st_size > MAX_BYTES:
            raise CommandError(f"{path}: {TOO_LARGE}: is it the right file?")
        with file.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as error:
        raise CommandError(f"{path}: cannot be read ({error.strerror or error}).") from error
    if len(data) > MAX_BYTES:
        raise CommandError(f"{path}: {TOO_LARGE}: is it the right file?")
    if not data:
        raise CommandError(f"{path}: the file is empty.")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise CommandError(f"{path}: the file is UTF-16 text; save it as UTF-8 and try again.")
    if _looks_binary(data):
        raise CommandError(
            f"{path}: this looks like a binary file (a word-processor document, PDF or "
            "image?), not plain text; save the copy as plain text (UTF-8) and try again."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CommandError(
            f"{path}: the file is not UTF-8 text (byte 0x{data[error.start]:02x} at position "
            f"{error.start}); save it as UTF-8 and try again."
        ) from error
    if is_blank(text):
        raise CommandError(f"{path}: the file has only blank space in it.")
    return text


def _one_line(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return " ".join(str(error).split())


def _first_line(error: Exception) -> str:
    return next(iter(str(error).strip().splitlines()), type(error).__name__)


def admin_path(story) -> str:
    try:
        return reverse("admin:articles_story_change", args=[story.pk])
    except NoReverseMatch:  # the admin is not mounted in this project's URLs
        return f"/admin/articles/story/{story.pk}/change/"


class Command(BaseCommand):
    help = (
        "Import plain-text Smart Brevity copy into draft stories, one story per file. "
        "The copy: an optional headline line (under 120 characters, no final period), "
        "the lede paragraph, sections under briefing labels (“Why it matters”, on a line "
        "of their own or inline with a colon), bullet lines starting with •, - or *, "
        "“Go deeper” entries (titles of our stories, or a title and an http(s) address) "
        "and a last line naming the authors (“Hossein Amiri - Mahboubeh Habibi”). Files "
        f"must be UTF-8 text up to {MAX_BYTES // 1024} KB. Several files are imported "
        "together: if one fails, nothing is saved."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="A plain-text copy file.")
        parser.add_argument(
            "--publish",
            action="store_true",
            help="Publish each story at once. A story without a headline stays a draft.",
        )
        parser.add_argument(
            "--headline",
            metavar="TEXT",
            help="The story's headline, instead of the copy's own headline line (one file).",
        )
        parser.add_argument(
            "--section", metavar="SLUG", help="Put the stories in this section (its slug)."
        )
        parser.add_argument(
            "--language",
            metavar="CODE",
            choices=[code for code, _ in settings.LANGUAGES],
            default=settings.LANGUAGE_CODE,
            help="The copy's language (%(choices)s; default %(default)s): its labels and "
            "byline separators are read in it, and the story joins that edition.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the copy and show what would be created, without saving anything.",
        )

    def handle(self, *args, paths, publish, headline, section, dry_run, language, **options):
        if headline is not None and len(paths) > 1:
            raise CommandError("--headline is for one story: give a single PATH with it.")
        # Every file is checked before anything touches the database.
        copies = [(path, read_copy(path)) for path in paths]
        try:
            desk = self.find_section(section) if section is not None else None
            reports = []
            with transaction.atomic():
                for path, text in copies:
                    try:
                        result = import_copy(
                            text,
                            headline=headline,
                            section=desk,
                            publish=publish,
                            language=language,
                        )
                    except (ParseError, ValidationError, PermissionDenied) as error:
                        raise CommandError(f"{path}: {_one_line(error)}") from error
                    reports.append(self.describe(path, result, dry_run=dry_run))
                if dry_run:
                    transaction.set_rollback(True)
        except OperationalError as error:
            raise CommandError(
                f"Nothing was imported: the database is not reachable ({_first_line(error)})."
            ) from error
        except ProgrammingError as error:
            raise CommandError(
                f"Nothing was imported: the database is not ready ({_first_line(error)}); "
                "run “python manage.py migrate” first."
            ) from error

        self.stdout.write("\n\n".join("\n".join(lines) for lines in reports))
        if dry_run:
            self.stdout.write(self.style.WARNING("Dry run: nothing was saved."))

    def find_section(self, slug: str) -> Section:
        found = Section.objects.filter(slug=slug).first()
        if found is None:
            slugs = ", ".join(Section.objects.values_list("slug", flat=True))
            known = f"Sections: {slugs}." if slugs else "There are no sections yet."
            raise CommandError(f"No section with the slug “{slug}”. {known}")
        return found

    def describe(self, path: str, result: ImportResult, *, dry_run: bool) -> list[str]:
        """What was created, as lines to print once the transaction is over."""
        story = result.story
        status = story.get_status_display().lower()
        if dry_run:
            head = f"{path}: would create a {status} story “{story.headline}”"
        else:
            head = f"{path}: created {status} story {story.pk}, “{story.headline}”"
        lines = [self.style.SUCCESS(head)]
        if story.headline_is_provisional:
            lines.append("  Headline: provisional, made from the lede; write a real one.")
        if story.section_id:
            lines.append(f"  Section: {story.section.name}")

        new = {author.pk for author in result.created_authors}
        bylines = [
            b.author.name + (" (new author)" if b.author_id in new else "")
            for b in story.bylines.select_related("author")
        ]
        lines.append(f"  Bylines: {', '.join(bylines) or 'none'}")
        lines.append("  Sections:")
        for position, part in enumerate(story.sections.select_related("label"), start=1):
            name = part.label.name_in(story.language) if part.label_id else "(no label)"
            words = word_count(html_to_text(part.body))
            lines.append(f"    {position}. {name} ({words} words)")
        links = story.related_links.select_related("target")
        if links:
            lines.append("  Go deeper:")
        for link in links:
            if link.target_id:
                where = f"linked to story {link.target_id}, “{link.target.headline}”"
            elif link.url:
                where = link.url
            else:
                where = "no story with this headline: kept as a title for an editor to link"
            lines.append(f"    “{link.title}”: {where}")
        if not dry_run:
            lines.append(f"  Edit: {admin_path(story)}")
        lines.extend(self.style.WARNING(f"  Warning: {warning}") for warning in result.warnings)
        return lines
