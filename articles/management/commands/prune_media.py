"""``manage.py prune_media``: find (and with ``--delete``, remove) images nothing uses.

Replacing a story's lead image or an author's photo leaves the old file behind on
purpose: the story's earlier revisions still show it, and restoring one brings it
back. An image becomes unused only when no story, no revision and no author names it
any more (a deleted story takes its revisions with it). Its renditions go with it,
and so do rendition files no rendition row points at.

Files younger than ``--older-than`` hours (default 24) are never touched: an upload
in progress is stored before the story that names it is saved.
"""

from datetime import timedelta

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils import timezone

from articles import snapshot
from articles.models import Author, ImageRendition, Revision, Story

#: Where uploads and renditions are stored (see the models' upload_to functions).
ORIGINALS = ("stories", "authors")
RENDITIONS = "renditions"


class Command(BaseCommand):
    help = (
        "List images that no story, revision or author uses, with their renditions; "
        "--delete removes them."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--delete", action="store_true", help="Remove the files (default: only list them)."
        )
        parser.add_argument(
            "--older-than",
            type=float,
            default=24,
            metavar="HOURS",
            help="Leave files younger than this alone (default 24).",
        )

    def handle(self, *args, delete=False, older_than=24, **options):
        if older_than < 0:
            raise CommandError("--older-than must be zero or more hours.")
        cutoff = timezone.now() - timedelta(hours=older_than)
        try:
            used = self.used_images()
            unused_renditions = list(ImageRendition.objects.exclude(source__in=used))
            rendition_files = set(ImageRendition.objects.values_list("file", flat=True))
        except DatabaseError as error:
            raise CommandError(f"Could not read the database: {error}") from error

        originals = [
            name
            for name in self.stored(*ORIGINALS)
            if name not in used and self.older(name, cutoff)
        ]
        stray = [
            name
            for name in self.stored(RENDITIONS)
            if name not in rendition_files and self.older(name, cutoff)
        ]
        doomed = [r for r in unused_renditions if self.older(r.file.name, cutoff)]

        size = sum(self.size(name) for name in originals + stray)
        size += sum(self.size(r.file.name) for r in doomed)
        verb = "Deleting" if delete else "Would delete"
        self.stdout.write(
            f"{len(used):,} images in use. {verb} {len(originals):,} unused originals, "
            f"{len(doomed):,} of their renditions and {len(stray):,} stray rendition "
            f"files: {size / 1_048_576:.1f} MB."
        )
        for name in originals + [r.file.name for r in doomed] + stray:
            self.stdout.write(f"  {name}")
        if not delete:
            if originals or doomed or stray:
                self.stdout.write("Nothing was deleted: run again with --delete to remove them.")
            return
        for done, name in enumerate(originals + stray, start=1):
            default_storage.delete(name)
            if done % 500 == 0:
                self.stdout.write(f"  {done:,} files deleted…")
        for rendition in doomed:
            rendition.file.delete(save=False)
            rendition.delete()
        self.stdout.write(self.style.SUCCESS("Done."))

    def used_images(self) -> set[str]:
        """Every image name a story, a revision or an author still refers to."""
        used = set(Story.objects.exclude(lead_image="").values_list("lead_image", flat=True))
        used |= set(Author.objects.exclude(photo="").values_list("photo", flat=True))
        names = (
            Revision.objects.annotate(image=snapshot.stored("image", "name"))
            .exclude(image=None)
            .values_list("image", flat=True)
        )
        used |= {name for name in names.iterator(chunk_size=5000) if name}
        return used

    def stored(self, *folders):
        """Every file below ``folders`` in the media storage, as storage names."""
        pending = list(folders)
        while pending:
            folder = pending.pop()
            try:
                subfolders, files = default_storage.listdir(folder)
            except FileNotFoundError:
                continue
            pending += [f"{folder}/{name}" for name in subfolders]
            yield from (f"{folder}/{name}" for name in files)

    def older(self, name: str, cutoff) -> bool:
        try:
            return default_storage.get_modified_time(name) < cutoff
        except FileNotFoundError:
            return True  # the file is gone already; its row can go
        except NotImplementedError:
            return False  # a storage that cannot tell: never risk an upload in progress

    def size(self, name: str) -> int:
        try:
            return default_storage.size(name)
        except (FileNotFoundError, NotImplementedError):
            return 0
