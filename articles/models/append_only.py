from django.db import models


class AppendOnly(models.Model):
    """A row written once and never changed: revisions, audit entries and corrections
    record history, and history does not move. ``deletable`` rows may still go with
    their story; the others refuse ``delete()`` too."""

    #: Said when a change is refused, with what to do instead.
    refusal = "This row is append-only."
    deletable = True

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError(self.refusal)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if not self.deletable:
            raise TypeError(self.refusal)
        return super().delete(*args, **kwargs)
