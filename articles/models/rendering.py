from django.db import models
from django.utils import timezone


class RenderingQuerySet(models.QuerySet):
    def showing(self, story_ids):
        """Renderings that show any of ``story_ids``: their own, and those linking to them."""
        ids = list(story_ids)
        return self.filter(models.Q(story_id__in=ids) | models.Q(links__in=ids)).distinct()

    def forget(self, story_ids) -> None:
        """Drop the renderings showing ``story_ids``: their next reader renders them anew."""
        ids = list(story_ids)
        if ids:
            self.filter(pk__in=self.showing(ids).values("pk")).delete()


class Rendering(models.Model):
    """A published story's HTML, rendered once from its live revision and kept.

    Reader pages show it as stored: the article (between the site's header and
    footer), the page's head (title, description, social and search metadata), and
    the story's card for listings, with and without its section's name, and as the
    home page's lead. It is right for readers while:

    - ``revision`` is still the story's live revision;
    - ``version`` is the templates' current version (``articles.rendering.VERSION``:
      editing a template, the time zone or the media address re-renders);
    - ``generation`` is not older than the newest change to *every* page (a renamed
      section, say: ``Invalidation.everything``);
    - and its row still exists: a change to what only some stories show (a
      correction, a linked story going live or away, new image renditions) deletes the
      rows of those stories in its own transaction (``articles.cache.outbox``).

    Otherwise the next reader re-renders it (or ``manage.py rerender`` does).
    """

    story = models.OneToOneField(
        "articles.Story", primary_key=True, on_delete=models.CASCADE, related_name="rendering"
    )
    revision = models.ForeignKey("articles.Revision", on_delete=models.CASCADE, related_name="+")
    version = models.CharField(max_length=32)
    generation = models.BigIntegerField(default=0)
    rendered_at = models.DateTimeField(default=timezone.now)
    #: The stories its Go deeper list links to: their going live or away re-renders it
    #: (``links``, for that look-up), and their changes make the page stale (``linked``,
    #: read with the rendering).
    links = models.ManyToManyField("articles.Story", related_name="linked_by_renderings")
    linked = models.JSONField(default=list, blank=True)
    #: The story's language, and the published versions of it in every language
    #: (itself included): ``{"language", "name", "url"}`` for hreflang and the switcher.
    language = models.CharField(max_length=12, blank=True)
    alternates = models.JSONField(default=list, blank=True)
    section_slug = models.CharField(max_length=100, blank=True)
    title = models.TextField()
    description = models.TextField(blank=True)
    canonical = models.TextField(blank=True)
    head = models.TextField(blank=True)
    article = models.TextField()
    card = models.TextField()
    card_in_section = models.TextField()
    lead = models.TextField()

    objects = RenderingQuerySet.as_manager()

    def __str__(self):
        return f"Rendering of story {self.story_id} (revision {self.revision_id})"
