"""Where uploaded media is kept: the local folder, leaving nothing behind when a write fails."""

import contextlib
import os

from django.core.files.storage import FileSystemStorage


class MediaStorage(FileSystemStorage):
    """``FileSystemStorage`` that removes a partial file when writing it fails.

    Django's own leaves whatever was written before, say, the disk filled up: a
    truncated image under a name no row refers to. Names are generated (never an
    uploader's), so the file at ``name`` after a failed write is the one just begun.
    """

    def _save(self, name, content):
        try:
            return super()._save(name, content)
        except OSError:
            with contextlib.suppress(OSError):
                os.remove(self.path(name))
            raise
