"""Admin forms that carry images: the text is saved even when an image cannot be stored."""

import errno

from django.contrib import messages
from django.db import transaction

_WHY = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the storage quota is used up",
    errno.EACCES: "the media folder may not be written to",
    errno.EPERM: "the media folder may not be written to",
    errno.EROFS: "the media folder is read-only",
}


class KeepsTextWhenImagesFail:
    """A ModelAdmin mixin: if storing an uploaded image fails (a full disk, a broken
    share), the object is saved without the new image, and the person is told what
    happened and what to do, instead of a 500 that loses everything they typed.

    The storage (``articles.storage``) removes the partial file itself.
    """

    #: The image fields of the model.
    image_fields: tuple[str, ...] = ()

    def save_model(self, request, obj, form, change):
        try:
            with transaction.atomic():
                super().save_model(request, obj, form, change)
            return
        except OSError as error:
            failed = error
        stored = {}
        if obj.pk:
            stored = type(obj)._default_manager.filter(pk=obj.pk).values(*self.image_fields).get()
        for name in self.image_fields:
            if not getattr(obj, name)._committed:
                setattr(obj, name, stored.get(name, ""))
        super().save_model(request, obj, form, change)
        why = _WHY.get(failed.errno, f"the storage refused it ({failed.strerror or failed})")
        messages.error(
            request,
            f"The picture could not be stored: {why}. Your text is saved. Upload the "
            "picture again once the problem is fixed (tell whoever runs the site).",
        )
