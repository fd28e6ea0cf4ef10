"""Where uploaded media is kept (the local folder, or an S3 bucket); a failed write leaves
nothing behind."""

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


@contextlib.contextmanager
def _bucket_errors(name: str):
    """The bucket's errors as the file system's: a missing object is a missing file,
    anything else (no answer, a refusal) an ``OSError``, as a full disk is."""
    # Imported when used: boto3 loads only with a bucket configured.
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except ClientError as error:
        if error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
            raise FileNotFoundError(f"No such object: {name}") from error
        raise OSError(f"the bucket refused it: {error}") from error
    except BotoCoreError as error:
        raise OSError(f"the bucket did not answer: {error}") from error


def _s3_media_storage():
    from botocore.config import Config
    from storages.backends.s3 import S3Storage

    class S3MediaStorage(S3Storage):
        """django-storages' ``S3Storage`` with the local folder's errors.

        A bucket that cannot be reached or refuses a write raises ``OSError``, so the
        admin keeps the text and says the picture was not stored
        (``articles.admin.uploads``); S3 writes an object whole or not at all, so
        nothing partial is left behind. A missing object is a ``FileNotFoundError``
        everywhere (``prune_media``). Short timeouts and few retries: a request waits
        seconds, not minutes, for a bucket that is away.
        """

        def get_default_settings(self):
            defaults = super().get_default_settings()
            if defaults["client_config"] is None:
                defaults["client_config"] = Config(
                    connect_timeout=3,
                    read_timeout=20,
                    retries={"max_attempts": 3, "mode": "standard"},
                )
            return defaults

        def _save(self, name, content):
            with _bucket_errors(name):
                return super()._save(name, content)

        def _open(self, name, mode="rb"):
            with _bucket_errors(name):
                return super()._open(name, mode)

        def exists(self, name):
            with _bucket_errors(name):
                return super().exists(name)

        def delete(self, name):
            with _bucket_errors(name):
                return super().delete(name)

        def listdir(self, path):
            with _bucket_errors(path):
                return super().listdir(path)

        def size(self, name):
            with _bucket_errors(name):
                return super().size(name)

        def get_modified_time(self, name):
            with _bucket_errors(name):
                return super().get_modified_time(name)

    S3MediaStorage.__module__ = __name__
    return S3MediaStorage


def __getattr__(name: str):
    # ``S3MediaStorage`` is made on first use: importing boto3 costs half a second,
    # which sites that keep media in the local folder need not pay.
    if name == "S3MediaStorage":
        globals()[name] = _s3_media_storage()
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
