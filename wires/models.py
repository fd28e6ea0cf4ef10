"""Agency copy coming in: the providers we poll and the items they send.

A wire item is one row per (provider, guid): a new version from the agency updates the
row in place, and the versions it replaced are listed in ``history``. Rows are written
by the ingest (``wires.ingest``) only; the desk reads them and makes drafts from them
(``wires.drafts``).
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from articles import outbound
from articles.models import Section, Story
from articles.models.audit import declare_action
from articles.parser import byline_names
from wires.feeds import BYLINE_MAX, GUID_MAX, HEADLINE_MAX

#: Audit actions on a story that came from the wire (``AuditEntry.record``).
WIRE_DRAFT = declare_action("wire_draft", "Made a draft from the wire")
WIRE_WITHDRAWN = declare_action("wire_withdrawn", "The agency withdrew its copy")

#: Earlier versions listed on an item, newest first; older ones are dropped.
HISTORY_MAX = 20


def wire_setting(name: str):
    """``settings.WIRES[name]``, or its default. ``ALLOW_LOOPBACK`` exists for tests only:
    with it, feeds on 127.0.0.1 may be fetched (private networks never may)."""
    defaults = {"ALLOW_LOOPBACK": False, "TIMEOUT": 10, "MAX_BYTES": 5 * 1024 * 1024}
    return getattr(settings, "WIRES", {}).get(name, defaults[name])


_NOT_HTTP = "The feed's address must start with http:// or https://."
_NOT_VALID = "The feed's address is not a valid web address."
_FEED_ADDRESS_PROBLEMS = {
    outbound.Problem.MALFORMED: _NOT_VALID,
    outbound.Problem.PORT: _NOT_VALID,
    outbound.Problem.SCHEME: _NOT_HTTP,
    outbound.Problem.NO_HOST: _NOT_HTTP,
    outbound.Problem.CREDENTIALS: "Put no user name or password in the address: the feed is "
    "fetched without them. Ask the agency for an address that works alone (with an access "
    "token).",
}


def feed_address(url: str) -> None:
    """Refuse what the fetcher would refuse anyway, while the admin can still say so."""
    try:
        outbound.target(url)
    except outbound.BadURL as bad:
        raise ValidationError(_FEED_ADDRESS_PROBLEMS[bad.problem]) from None


def byline_credit(name: str) -> None:
    """The credit must read as a byline, or the importer would take it for text."""
    if byline_names(name) != [" ".join(name.split())]:
        raise ValidationError(
            "Write the agency as a byline reads, in capitalised words without digits or "
            "punctuation other than hyphens: e.g. Reuters, Associated Press, AFP."
        )


class Provider(models.Model):
    class Kind(models.TextChoices):
        NINJS = "ninjs", "ninjs (JSON)"
        RSS = "rss", "RSS 2.0"
        ATOM = "atom", "Atom"

    name = models.CharField(
        max_length=100, help_text="How the desk calls this feed, e.g. “Reuters world news”."
    )
    kind = models.CharField(
        "format",
        max_length=10,
        choices=Kind.choices,
        help_text="What the agency's address sends. RSS and Atom are news feeds; ninjs is "
        "the news agencies' JSON format.",
    )
    url = models.URLField(
        "address",
        max_length=500,
        validators=[feed_address],
        help_text="The feed's web address, as the agency gave it. It must be on the public "
        "internet.",
    )
    credit = models.CharField(
        "byline",
        max_length=80,
        validators=[byline_credit],
        help_text="The agency's name as readers see it in the byline of a story made from "
        "its copy, e.g. Reuters.",
    )
    section = models.ForeignKey(
        Section,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Drafts made from this feed start in this section (optional).",
    )
    active = models.BooleanField(
        default=True, help_text="Untick to stop fetching this feed; its items stay on the desk."
    )
    poll_minutes = models.PositiveSmallIntegerField(
        "fetch every (minutes)",
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 60)],
        help_text="How often the feed is fetched. Most agencies ask for no more than once a "
        "minute.",
    )
    next_poll_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the feed is fetched next. Each fetch claims its turn by moving this "
        "on, so two workers never fetch the same turn.",
    )
    last_polled_at = models.DateTimeField("last fetched", null=True, blank=True, editable=False)
    last_success_at = models.DateTimeField(
        "last fetched without error", null=True, blank=True, editable=False
    )
    last_result = models.CharField(max_length=300, blank=True, editable=False)
    last_error = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def interval(self) -> timedelta:
        return timedelta(minutes=self.poll_minutes)


class WireItemQuerySet(models.QuerySet):
    def withdrawn(self):
        return self.exclude(pubstatus=WireItem.PubStatus.USABLE)

    def usable(self):
        return self.filter(pubstatus=WireItem.PubStatus.USABLE)

    def drafted(self):
        return self.usable().filter(story__isnull=False)

    def new(self):
        return self.usable().filter(story__isnull=True)


class WireItem(models.Model):
    class PubStatus(models.TextChoices):
        USABLE = "usable", "Usable"
        WITHHELD = "withheld", "Withheld by the agency"
        CANCELED = "canceled", "Withdrawn by the agency"

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="items")
    guid = models.CharField(
        "agency's id", max_length=GUID_MAX, help_text="The agency's own id for this item."
    )
    version = models.PositiveIntegerField(
        default=1,
        help_text="The agency's version number; for feeds that number none, counted up each "
        "time the text changes.",
    )
    fingerprint = models.CharField(max_length=64, editable=False)
    headline = models.CharField(max_length=HEADLINE_MAX)
    byline = models.CharField("agency byline", max_length=BYLINE_MAX, blank=True)
    summary = models.TextField(blank=True)
    body_text = models.TextField(
        "copy", blank=True, help_text="The text as the draft's importer reads it."
    )
    body_html = models.TextField(
        blank=True, help_text="The agency's HTML, cleaned to the markup a story allows."
    )
    published_at = models.DateTimeField(
        null=True, blank=True, help_text="When the agency first filed it."
    )
    updated_at = models.DateTimeField(
        null=True, blank=True, help_text="When the agency filed this version."
    )
    filed_at = models.DateTimeField(
        "filed",
        db_index=True,
        help_text="The agency's time for this version (never later than its arrival): "
        "the desk sorts by it.",
    )
    pubstatus = models.CharField(
        "agency status", max_length=10, choices=PubStatus.choices, default=PubStatus.USABLE
    )
    raw = models.TextField(
        "what the agency sent", blank=True, help_text="Trimmed to the first 20,000 characters."
    )
    history = models.JSONField(
        "earlier versions",
        default=list,
        blank=True,
        help_text="The versions this one replaced, newest first: number, headline, when.",
    )
    first_received_at = models.DateTimeField(default=timezone.now, editable=False)
    received_at = models.DateTimeField("this version arrived", default=timezone.now, editable=False)
    story = models.ForeignKey(
        Story,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="wire_items",
        help_text="The draft made from this item.",
    )
    drafted_version = models.PositiveIntegerField(null=True, blank=True, editable=False)

    objects = WireItemQuerySet.as_manager()

    class Meta:
        verbose_name = "wire item"
        verbose_name_plural = "wire"
        ordering = ["-filed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "guid"], name="wire_item_once_per_guid")
        ]

    def __str__(self):
        return self.headline

    @property
    def is_withdrawn(self) -> bool:
        return self.pubstatus != self.PubStatus.USABLE

    @property
    def updated_since_draft(self) -> bool:
        return bool(self.story_id and self.drafted_version and self.version > self.drafted_version)

    @property
    def desk_status(self) -> str:
        """What the desk calls the item's state: new, drafted or withdrawn."""
        if self.is_withdrawn:
            return "withdrawn"
        if self.story_id:
            return "drafted"
        return "new"
