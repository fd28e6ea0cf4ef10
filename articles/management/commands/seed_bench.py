"""Seed a large archive of realistic published stories for benchmarks (see bench/README.md).

Publishing one story through the workflow costs a few dozen queries, so 100,000 of
them would take hours. This command writes the same rows with COPY, a batch per
transaction: the working copy and its children, one revision whose snapshot is built
by ``articles.snapshot``, and the live columns publishing maintains (``live_revision``,
``live_section``, ``live_tags``, ``live_authors``, the search text and vector). Reader
pages then render these stories as they would real ones. While PostgreSQL writes one
batch, on a connection of its own, the next batch is made.

Every row it makes is recognisable by a ``bench-`` slug, so ``--reset`` removes
exactly what an earlier run made. The text comes from word lists and a seeded
random generator: the same options give the same archive.
"""

import json
import random
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, reset_queries, transaction
from django.db.models import Q
from django.db.models.signals import post_delete, pre_delete
from django.utils import timezone
from django.utils.text import slugify

from articles import snapshot
from articles.cache import invalidate_pages
from articles.models import (
    Author,
    BriefingLabel,
    BriefingSection,
    Byline,
    LiveAuthor,
    LiveTag,
    RelatedLink,
    Revision,
    Section,
    Story,
    Tag,
)
from articles.models.story import Status
from articles.richtext import sanitize_html
from articles.search import search_config, search_documents, weighted_text
from articles.signals import forget_deleted_story, refresh_pages

PREFIX = "bench-"
#: The session's staging table for story rows (see ``Command.write``).
STAGING = "seed_bench_story"
ARCHIVE_DAYS = 730

DESKS = [
    "World",
    "Politics",
    "Business",
    "Economy",
    "Technology",
    "Science",
    "Health",
    "Climate",
    "Sports",
    "Culture",
]
TAGS = [
    "Budget", "Elections", "Energy", "Housing", "Inflation", "Jobs", "Rail", "Ports",
    "Schools", "Hospitals", "Wages", "Trade", "Tariffs", "Drought", "Floods", "Wildfires",
    "Startups", "Semiconductors", "Privacy", "Cybersecurity", "Courts", "Police",
    "Migration", "Pensions", "Taxes", "Fisheries", "Farming", "Tourism", "Aviation",
    "Shipping", "Football", "Cycling", "Tennis", "Museums", "Festivals", "Books", "Film",
    "Vaccines", "Research", "Space", "Oceans", "Water", "Transit", "Roads", "Strikes",
    "Unions", "Banks", "Markets", "Mining", "Solar", "Wind", "Nuclear", "Diplomacy",
    "Sanctions", "Defence", "Parliament", "Councils", "Cities", "Rural", "Universities",
]  # fmt: skip
FIRST_NAMES = [
    "Amara", "Ben", "Chiara", "Dmitri", "Elena", "Farid", "Grace", "Hiroshi", "Ines",
    "Jonas", "Kemi", "Lars", "Mahboubeh", "Nadia", "Omar", "Priya", "Quentin", "Rosa",
    "Samir", "Tessa", "Umar", "Vera", "Wei", "Ximena", "Yusuf", "Zofia", "Aidan", "Bea",
    "Carlos", "Dana", "Emeka", "Fatima", "Gustav", "Hana", "Ivan", "Julia", "Kofi",
    "Leila", "Mateo", "Nina", "Oskar", "Paula", "Rahul", "Sofia", "Tomas", "Uma",
    "Viktor", "Wanjiru", "Yara", "Zain",
]  # fmt: skip
LAST_NAMES = [
    "Abebe", "Bauer", "Castillo", "Dubois", "Eriksen", "Fischer", "Garcia", "Habibi",
    "Ivanova", "Jensen", "Kowalski", "Larsen", "Moreau", "Nakamura", "Okafor", "Petrov",
    "Quinn", "Rossi", "Schmidt", "Tanaka", "Usman", "Varga", "Wagner", "Xu", "Yilmaz",
    "Zhang", "Almeida", "Brennan", "Costa", "Da Silva", "Evans", "Ferreira", "Gallagher",
    "Horvat", "Iqbal", "Jovanovic", "Kaur", "Lindqvist", "Mensah", "Novak", "Olsen",
    "Park", "Reyes", "Sato", "Thompson", "Ueda", "Vasquez", "Weber", "Yamamoto", "Ziegler",
]  # fmt: skip
JOB_TITLES = [
    "Reporter",
    "Senior correspondent",
    "Economics editor",
    "Political correspondent",
    "Science writer",
    "Health reporter",
    "Data journalist",
    "Climate correspondent",
    "Sports writer",
    "Culture critic",
]

# Headline pieces: "<actor> <verb> <object>"; the lede reuses them in the past tense.
ACTORS = [
    "Central bank", "City council", "Port workers", "Health ministry", "Rail operator",
    "Regional lawmakers", "Farmers' groups", "Climate scientists", "Teachers' union",
    "Regional airline", "Energy regulator", "Supreme court", "Border officials",
    "Housing board", "Chipmakers", "Fishing fleet", "Hospital managers", "Transport authority",
    "Opposition leaders", "Finance ministry", "Water utilities", "University researchers",
    "Small businesses", "Coast guard", "Election officials", "Wind farm developers",
    "Tenant groups", "Insurers", "Local police", "Trade negotiators",
]  # fmt: skip
VERBS = [
    ("approves", "approved"), ("rejects", "rejected"), ("delays", "delayed"),
    ("expands", "expanded"), ("cuts", "cut"), ("backs", "backed"), ("weighs", "weighed"),
    ("unveils", "unveiled"), ("scraps", "scrapped"), ("probes", "investigated"),
    ("doubles", "doubled"), ("freezes", "froze"), ("challenges", "challenged"),
    ("funds", "funded"), ("pauses", "paused"), ("revives", "revived"),
    ("tightens", "tightened"), ("eases", "eased"),
]  # fmt: skip
OBJECTS = [
    "rail budget", "water tariffs", "coastal defences", "data rules", "wage deal",
    "housing plan", "fuel subsidies", "school funding", "port expansion", "bus routes",
    "clinic hours", "flood barriers", "tax credits", "grid upgrade", "fishing quotas",
    "rent caps", "emissions targets", "airport curfew", "broadband rollout", "pension reform",
    "drug prices", "bridge repairs", "hiring freeze", "cyber defences", "food labels",
    "solar permits", "ferry timetable", "vaccine drive", "border checks", "mining licences",
]  # fmt: skip
TAILS = [
    "", "", "", " after talks", " amid protests", " despite warnings", " in close vote",
    " as costs rise", " for next year", " under pressure", " after review",
]  # fmt: skip
PLACES = [
    "Harbour Town", "Northfield", "Lakeside", "Westbridge", "Eastport", "Riverton",
    "Brookvale", "Millford", "Kingsbay", "Ashford", "Stonehaven", "Greenwich Vale",
    "Redcliff", "Port Aurora", "Silverton", "Oakridge", "Fairhaven", "Marlow Bay",
]  # fmt: skip
PEOPLE = [
    "households", "commuters", "nurses", "students", "tenants", "pensioners", "drivers",
    "farmers", "workers", "patients", "teachers", "fishermen", "small firms", "families",
]  # fmt: skip
EFFECTS = [
    "raise costs", "cut waiting times", "save money", "create jobs", "reduce emissions",
    "slow growth", "lift wages", "shorten journeys", "ease shortages", "strain budgets",
]  # fmt: skip
WHENS = [
    "next week", "in March", "before the summer", "by the end of the year", "on Thursday",
    "within a month", "after the holidays", "in the autumn", "early next year",
]  # fmt: skip
OFFICIALS = [
    "Officials", "Analysts", "Economists", "Union leaders", "Local residents",
    "Business owners", "Engineers", "Doctors", "Campaigners", "Ministers",
]  # fmt: skip
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

# Smart Brevity order: "Why it matters" first, something forward-looking last.
OPENING_LABEL = "why-it-matters"
MIDDLE_LABELS = [
    "the-big-picture",
    "driving-the-news",
    "zoom-in",
    "zoom-out",
    "by-the-numbers",
    "yes-but",
    "what-theyre-saying",
    "between-the-lines",
    "state-of-play",
    "reality-check",
    "flashback",
]
CLOSING_LABELS = ["whats-next", "what-to-watch", "the-bottom-line"]


class Writer:
    """Deterministic copy: varied sentences from the word lists above."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def pick(self, items):
        return self.rng.choice(items)

    def number(self) -> str:
        return f"{self.rng.choice([1, 2, 3, 5, 8, 12, 15, 20, 40, 75]) * 1000:,}"

    def percent(self) -> str:
        return str(self.rng.randint(2, 45))

    def headline(self, actor: str, verb: str, obj: str) -> str:
        return f"{actor} {verb} {obj}{self.pick(TAILS)}"

    def lede(self, actor: str, past: str, obj: str, place: str) -> str:
        return (
            f"{actor} on {self.pick(WEEKDAYS)} {past} the {obj} in {place}, a move that will "
            f"affect about {self.number()} {self.pick(PEOPLE)}."
        )

    def sentence(self, obj: str) -> str:
        r = self.rng
        templates = [
            lambda: (
                f"{self.pick(OFFICIALS)} said the {obj} would {self.pick(EFFECTS)} by "
                f"{self.percent()} percent within {r.randint(2, 10)} years."
            ),
            lambda: (
                f"The decision affects about {self.number()} {self.pick(PEOPLE)} in "
                f"{self.pick(PLACES)}."
            ),
            lambda: f"{self.pick(OFFICIALS)} expect a final vote {self.pick(WHENS)}.",
            lambda: f"Critics warn the {obj} could {self.pick(EFFECTS)} for {self.pick(PEOPLE)}.",
            lambda: f"{self.number()} {self.pick(PEOPLE)} have signed a petition about the {obj}.",
            lambda: f"It is the biggest change to the {obj} since {r.randint(1990, 2022)}.",
            lambda: f"Supporters say the plan will {self.pick(EFFECTS)} and {self.pick(EFFECTS)}.",
            lambda: f"Talks resume {self.pick(WHENS)} in {self.pick(PLACES)}.",
            lambda: f"The {self.pick(OBJECTS)} is also under review in {self.pick(PLACES)}.",
            lambda: f"Spending on the {obj} rose {self.percent()} percent last year.",
        ]
        return self.pick(templates)()

    def paragraph(self, obj: str, sentences: int) -> str:
        return "<p>" + " ".join(self.sentence(obj) for _ in range(sentences)) + "</p>"

    def body(self, label_slug: str, obj: str) -> str:
        if label_slug == "by-the-numbers":
            items = [
                f"<li><p><strong>{self.number()}</strong> {self.pick(PEOPLE)} affected.</p></li>",
                f"<li><p><strong>{self.percent()}%</strong> rise in costs since "
                f"{self.rng.randint(2015, 2023)}.</p></li>",
                f"<li><p><strong>{self.rng.randint(2, 30)}</strong> towns in the region "
                f"have similar plans.</p></li>",
            ]
            return "<ul>" + "".join(items[: self.rng.randint(2, 3)]) + "</ul>"
        return self.paragraph(obj, self.rng.randint(1, 3))


@dataclass
class Plan:
    """One story's content, decided before any row exists."""

    index: int
    headline: str
    slug: str
    dek: str
    dateline: str
    lede: str
    section: Section
    tags: list[Tag]
    authors: list[Author]
    roles: list[str]
    #: (label, sanitized body, lasting key)
    sections: list[tuple[BriefingLabel, str, str]]
    #: (title, index of an earlier story or None, web address, lasting key)
    links: list[tuple[str, int | None, str, str]] = field(default_factory=list)
    published_at: datetime | None = None
    updated_at: datetime | None = None


class Progress:
    """A single self-rewriting line on stderr: count, rate and time left."""

    def __init__(self, out, total: int, what: str):
        self.out, self.total, self.what = out, total, what
        self.started = time.monotonic()

    def update(self, done: int) -> None:
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = done / elapsed
        left = (self.total - done) / rate if rate else 0
        self.out.write(
            f"\r{self.what}: {done:,}/{self.total:,} ({done * 100 // max(self.total, 1)}%)  "
            f"{rate:,.0f}/s  ETA {_clock(left)}   ",
            style_func=str,
            ending="",
        )
        self.out.flush()

    def finish(self) -> float:
        self.out.write("", style_func=str)
        return time.monotonic() - self.started


@contextmanager
def _pages_left_alone():
    """Without the page invalidation that deleting a story or an author sends."""
    receivers = [(pre_delete, forget_deleted_story, Story), (post_delete, refresh_pages, Author)]
    for signal, receiver, sender in receivers:
        signal.disconnect(receiver, sender=sender)
    try:
        yield
    finally:
        for signal, receiver, sender in receivers:
            signal.connect(receiver, sender=sender)


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


class Command(BaseCommand):
    help = (
        "Create many realistic PUBLISHED stories on PostgreSQL for benchmarks, with COPY: 2-3 bylines from a pool of authors, 4-6 labelled briefing sections, three "
        "Go deeper links to earlier stories, tags, desks, a live revision and the search "
        "vector. Bench rows have slugs starting with 'bench-'; --reset removes them first."
    )

    def add_arguments(self, parser):
        parser.add_argument("--stories", type=int, default=100_000, help="How many stories.")
        parser.add_argument("--authors", type=int, default=500, help="Size of the byline pool.")
        parser.add_argument("--batch", type=int, default=2000, help="Stories per transaction.")
        parser.add_argument("--seed", type=int, default=1, help="Random seed for the copy.")
        parser.add_argument(
            "--reset", action="store_true", help="Delete earlier bench stories and authors first."
        )

    def handle(self, *args, stories, authors, batch, seed, reset, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                "seed_bench needs PostgreSQL (it writes search vectors in SQL): set DATABASE_URL, "
                "e.g. postgres://postgres@127.0.0.1:5432/newsroom_bench."
            )
        if stories < 0:
            raise CommandError("--stories must be 0 or more.")
        if authors < 3:
            raise CommandError("--authors must be at least 3: stories have up to three bylines.")
        if batch < 1:
            raise CommandError("--batch must be at least 1.")

        existing = Story.objects.filter(slug__startswith=PREFIX).count()
        if reset:
            self.reset(batch)
        elif existing and stories:
            raise CommandError(
                f"{existing:,} bench stories exist already: add --reset to replace them."
            )
        if stories:
            self.seed(stories, authors, batch, random.Random(seed))
        # Bulk inserts send no signals: make every cached page stale by hand.
        invalidate_pages()

    # --- removing ----------------------------------------------------------------------

    def reset(self, batch: int) -> None:
        ids = list(Story.objects.filter(slug__startswith=PREFIX).values_list("pk", flat=True))
        progress = Progress(self.stderr, len(ids), "Deleting bench stories")
        # Deleting a story or an author invalidates pages, one change each: at a million
        # stories, hours of it. handle() makes every page stale once, at the end.
        with _pages_left_alone():
            for start in range(0, len(ids), batch):
                with transaction.atomic():
                    Story.objects.filter(pk__in=ids[start : start + batch]).delete()
                progress.update(min(start + batch, len(ids)))
            if ids:
                progress.finish()
            Author.objects.filter(slug__startswith=PREFIX).delete()
        self.stdout.write(f"Deleted {len(ids):,} bench stories and their authors.")

    # --- creating ----------------------------------------------------------------------

    def seed(self, total: int, pool: int, batch: int, rng: random.Random) -> None:
        desks = self.desks()
        tags = self.tags()
        authors = self.authors(pool, rng)
        labels = {label.slug: label for label in BriefingLabel.objects.all()}
        missing = {OPENING_LABEL, *MIDDLE_LABELS, *CLOSING_LABELS} - labels.keys()
        if missing:
            raise CommandError(f"Briefing labels are missing: {', '.join(sorted(missing))}.")
        writer = Writer(rng)
        self.language = Story().language
        self.tables = {
            "story": Table(Story, skip=["search_vector"]),
            "revision": Table(
                Revision, ["id", "story", "number", "snapshot", "created_at", "message"]
            ),
            "byline": Table(Byline, ["story", "author", "position", "role"]),
            "briefing": Table(BriefingSection, ["id", "story", "key", "position", "label", "body"]),
            "link": Table(RelatedLink, ["story", "key", "position", "title", "target", "url"]),
            "tags": Table(Story.tags.through, ["story", "tag"]),
            "live_tags": Table(LiveTag, ["story", "tag", "first_published_at"]),
            "live_authors": Table(LiveAuthor, ["story", "author", "first_published_at"]),
        }

        now = timezone.now()
        start = now - timedelta(days=ARCHIVE_DAYS)
        step = (now - timedelta(minutes=5) - start) / total
        # Every story's headline by index, and the pks of those inserted so far:
        # "Go deeper" links point back at earlier stories, in this batch or before.
        headlines: list[str] = []
        pks: list[int] = []
        counts = dict.fromkeys(["bylines", "sections", "links", "tags"], 0)

        progress = Progress(self.stderr, total, "Seeding stories")
        # Writing a batch (PostgreSQL's work, mostly) overlaps making the next one
        # (Python's): on a second connection, except inside a transaction (the tests),
        # whose rows only its own connection sees.
        with Pipeline(self.write, alongside=not connection.in_atomic_block) as pipeline:
            for first in range(0, total, batch):
                plans = []
                for index in range(first, min(first + batch, total)):
                    plan = self.plan(index, writer, rng, desks, tags, authors, labels)
                    plan.published_at = start + step * index + step * rng.random() * 0.9
                    plan.updated_at = plan.published_at
                    if rng.random() < 0.1:
                        plan.updated_at = plan.published_at + timedelta(hours=rng.randint(1, 30))
                        plan.updated_at = min(plan.updated_at, now)
                    headlines.append(plan.headline)
                    plan.links = self.links(index, headlines, rng)
                    plans.append(plan)
                pipeline.send(self.rows(plans, pks, counts), len(plans))
                reset_queries()
                progress.update(pipeline.written)
        elapsed = progress.finish()
        self.tidy()
        self.stdout.write(
            f"Created {total:,} published stories with {counts['bylines']:,} bylines, "
            f"{counts['sections']:,} briefing sections, {counts['links']:,} links and "
            f"{counts['tags']:,} tags from {len(authors):,} authors in {_clock(elapsed)}."
        )
        self.stdout.write(
            "Their HTML is rendered by each story's first reader, or ahead of them by "
            "`manage.py rerender`."
        )

    def tidy(self) -> None:
        """Refresh the planner's statistics and the visibility map.

        Without fresh statistics the first benchmark would measure plans made for an
        empty table, until autovacuum catches up.
        """
        tables = [Story, Revision, Byline, BriefingSection, RelatedLink, Author]
        tables += [Story.tags.through, Story.live_tags.through, Story.live_authors.through]
        # VACUUM cannot run in a transaction, as under the tests: there, statistics only.
        vacuum = not connection.in_atomic_block
        with connection.cursor() as cursor:
            # Past a few hundred thousand stories this takes minutes: longer than the
            # statement timeout the site's connections have (DJANGO_DB_STATEMENT_TIMEOUT_MS).
            cursor.execute("SET statement_timeout = 0")
            for model in tables:
                # A plain VACUUM also marks pages all-visible, for index-only scans.
                verb = "VACUUM (ANALYZE)" if vacuum else "ANALYZE"
                cursor.execute(f"{verb} {model._meta.db_table}")

    def desks(self) -> list[Section]:
        sections = []
        for position, name in enumerate(DESKS, start=1):
            slug = slugify(name)
            section = Section.objects.filter(Q(slug=slug) | Q(name__iexact=name)).first()
            if section is None:
                section = Section.objects.create(name=name, slug=slug, position=position)
            sections.append(section)
        return sections

    def tags(self) -> list[Tag]:
        result = []
        for name in TAGS:
            slug = slugify(name)
            tag = Tag.objects.filter(Q(slug=slug) | Q(name__iexact=name)).first()
            result.append(tag or Tag.objects.create(name=name, slug=slug))
        return result

    def authors(self, pool: int, rng: random.Random) -> list[Author]:
        existing = list(Author.objects.filter(slug__startswith=PREFIX).order_by("pk"))
        if len(existing) >= pool:
            return existing[:pool]
        taken = {a.name for a in existing}
        names = [f"{first} {last}" for first in FIRST_NAMES for last in LAST_NAMES]
        names = [n for n in names if n not in taken]
        rng.shuffle(names)
        needed = pool - len(existing)
        fresh = []
        for n in range(needed):
            # Past the name lists' combinations, a number keeps names apart.
            name = names[n] if n < len(names) else f"{names[n % len(names)]} {n // len(names)}"
            fresh.append(
                Author(
                    name=name,
                    slug=f"{PREFIX}{slugify(name)}",
                    job_title=rng.choice(JOB_TITLES),
                    bio=f"{name} covers {rng.choice(DESKS).lower()} for the newsroom.",
                )
            )
        Author.objects.bulk_create(fresh)
        return existing + fresh

    def plan(self, index, writer, rng, desks, tags, authors, labels) -> Plan:
        actor, (verb, past), obj = rng.choice(ACTORS), rng.choice(VERBS), rng.choice(OBJECTS)
        place = rng.choice(PLACES)
        headline = writer.headline(actor, verb, obj)
        bylines = rng.sample(authors, rng.randint(2, 3))
        roles = ["" for _ in bylines]
        if len(bylines) == 3 and rng.random() < 0.3:
            roles[2] = "additional reporting"

        middle = rng.sample(MIDDLE_LABELS, rng.randint(2, 4))
        closing = [rng.choice(CLOSING_LABELS)] if len(middle) < 4 or rng.random() < 0.5 else []
        order = [OPENING_LABEL, *middle, *closing]
        if len(order) < 4:
            order.append(rng.choice([s for s in MIDDLE_LABELS if s not in order]))
        briefing = [
            (labels[slug], sanitize_html(writer.body(slug, obj)), _key(rng)) for slug in order
        ]

        return Plan(
            index=index,
            headline=headline,
            slug=f"{PREFIX}{index + 1}-{slugify(headline)}"[:120].rstrip("-"),
            dek=writer.sentence(obj) if rng.random() < 0.6 else "",
            dateline=place.upper() if rng.random() < 0.7 else "",
            lede=writer.lede(actor, past, obj, place),
            section=rng.choice(desks),
            tags=sorted(rng.sample(tags, rng.randint(1, 3)), key=lambda t: t.name),
            authors=bylines,
            roles=roles,
            sections=briefing,
        )

    def links(self, index, headlines, rng) -> list[tuple[str, int | None, str, str]]:
        """Three "Go deeper" links as (title, index of an earlier story or None, web
        address, key).

        They point at recent earlier stories; the first few stories get web links.
        """
        picked = rng.sample(range(max(0, index - 2000), index), min(3, index))
        links = [(headlines[target], target, "", _key(rng)) for target in picked]
        while len(links) < 3:
            topic = slugify(rng.choice(OBJECTS))
            title = f"Background: {topic.replace('-', ' ')}"
            links.append((title, None, f"https://example.org/{topic}", _key(rng)))
        return links

    def rows(self, plans: list[Plan], pks: list[int], counts: dict) -> dict[str, list[tuple]]:
        """The rows of one batch of planned stories, live, by table; their pks added to
        ``pks``.

        The ids that snapshots and links name (stories, revisions, briefing sections)
        are drawn from their sequences first, so every row is written once, complete.
        """
        story_ids = _next_ids(Story, len(plans))
        revision_ids = _next_ids(Revision, len(plans))
        part_ids = iter(_next_ids(BriefingSection, sum(len(p.sections) for p in plans)))
        pks.extend(story_ids)
        tables = self.tables
        stories, revisions = [], []
        bylines, briefing, links, tag_rows, live_tags, live_authors = [], [], [], [], [], []
        for story_id, revision_id, p in zip(story_ids, revision_ids, plans, strict=True):
            # The working copy's own text: in the story row and in its snapshot alike.
            text = {
                "headline": p.headline,
                "slug": p.slug,
                "dek": p.dek,
                "dateline": p.dateline,
                "lede": p.lede,
            }
            story = SimpleNamespace(
                pk=story_id, section=p.section, lead_image="", language=self.language, **text
            )
            credits = []
            for position, (author, role) in enumerate(zip(p.authors, p.roles, strict=True)):
                credits.append(SimpleNamespace(author_id=author.pk, author=author, role=role))
                bylines.append((story_id, author.pk, position, role))
                live_authors.append((story_id, author.pk, p.published_at))
            parts = []
            for position, (label, body, key) in enumerate(p.sections):
                part = SimpleNamespace(pk=next(part_ids), label=label, body=body, key=key)
                parts.append(part)
                briefing.append((part.pk, story_id, key, position, label.pk, body))
            related = []
            for position, (title, target, url, key) in enumerate(p.links):
                target_id = None if target is None else pks[target]
                related.append(SimpleNamespace(title=title, target_id=target_id, url=url, key=key))
                links.append((story_id, key, position, title, target_id, url))
            for tag in p.tags:
                tag_rows.append((story_id, tag.pk))
                live_tags.append((story_id, tag.pk, p.published_at))
            content = snapshot.assemble(
                story, tags=p.tags, bylines=credits, parts=parts, links=related
            )
            headline, middle, rest = weighted_text(content)
            stories.append(
                tables["story"].row(
                    id=story_id,
                    **text,
                    section_id=p.section.pk,
                    status=Status.PUBLISHED.value,
                    version=1,
                    created_at=p.published_at - timedelta(hours=2),
                    updated_at=p.updated_at,
                    first_published_at=p.published_at,
                    last_published_at=p.updated_at,
                    live_revision_id=revision_id,
                    live_section_id=p.section.pk,
                    search_text="\n".join([headline, middle, rest]),
                )
                + search_documents(content)
            )
            snap = json.dumps(content.to_json())
            revisions.append((revision_id, story_id, 1, snap, p.published_at, "Published"))

        counts["bylines"] += len(bylines)
        counts["sections"] += len(briefing)
        counts["links"] += len(links)
        counts["tags"] += len(tag_rows)
        return {
            "story": stories,
            "revision": revisions,
            "byline": bylines,
            "briefing": briefing,
            "link": links,
            "tags": tag_rows,
            "live_tags": live_tags,
            "live_authors": live_authors,
        }

    def write(self, rows: dict[str, list[tuple]]) -> None:
        """One batch in one transaction, with COPY, on this thread's connection."""
        tables = self.tables
        with transaction.atomic(), connection.cursor() as cursor:
            # Bench rows are disposable: not waiting for each commit to reach the disk
            # saves a good part of the run.
            cursor.execute("SET LOCAL synchronous_commit = off")
            # Stories first, through a staging table: PostgreSQL makes their search
            # vectors (as articles.search.index_story weights them) on the way in.
            cursor.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS {STAGING} (LIKE {Story._meta.db_table} "
                "INCLUDING DEFAULTS, head text, middle text, rest text)"
            )
            tables["story"].copy(cursor, rows["story"], into=STAGING)
            columns = ", ".join(tables["story"].quoted)
            cursor.execute(
                f"""
                INSERT INTO {Story._meta.db_table} ({columns}, search_vector)
                SELECT {columns},
                    setweight(to_tsvector(%s::regconfig, head), 'A')
                    || setweight(to_tsvector(%s::regconfig, middle), 'B')
                    || setweight(to_tsvector(%s::regconfig, rest), 'C')
                FROM {STAGING}
                """,
                [search_config()] * 3,
            )
            cursor.execute(f"TRUNCATE {STAGING}")
            for name, table in tables.items():
                if name != "story":
                    table.copy(cursor, rows[name])
        # With DEBUG on, Django keeps the last 9,000 statements of each connection.
        reset_queries()


def _key(rng: random.Random) -> str:
    """A lasting key (a version-4 UUID) from the seeded generator: the same archive
    every run."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _next_ids(model, count: int) -> list[int]:
    """``count`` fresh primary keys of ``model``'s table, from its own sequence."""
    if not count:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, count],
        )
        return [row[0] for row in cursor.fetchall()]


class Pipeline:
    """Batches written one at a time by ``write``, on a thread of their own when
    ``alongside``: ``send`` returns as soon as the batch before has been written
    (raising its error, if it failed), so the caller makes the next batch meanwhile."""

    def __init__(self, write, *, alongside: bool):
        self.write = write
        self.pool = ThreadPoolExecutor(max_workers=1) if alongside else None
        self.pending: tuple[Future, int] | None = None
        self.written = 0

    def send(self, rows, count: int) -> None:
        self.wait()
        if self.pool is None:
            self.write(rows)
            self.written += count
        else:
            self.pending = (self.pool.submit(self.write, rows), count)

    def wait(self) -> None:
        pending, self.pending = self.pending, None
        if pending is not None:
            future, count = pending
            future.result()
            self.written += count

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        try:
            self.wait()
        finally:
            if self.pool is not None:
                # The thread's own database connection goes with it (looked up there).
                self.pool.submit(lambda: connection.close()).result()
                self.pool.shutdown()


class Table:
    """One table written with COPY: the columns given, in order, and for a story row
    every other column at its model default (so a field added later needs no change
    here unless it has no default)."""

    def __init__(self, model, columns: list[str] | None = None, *, skip=()):
        self.model = model
        template = model()
        fields = [f for f in model._meta.concrete_fields if f.attname not in skip]
        if columns is not None:
            fields = [model._meta.get_field(name) for name in columns]
        self.quoted = [connection.ops.quote_name(f.column) for f in fields]
        self.defaults = [
            (f.attname, f.get_db_prep_save(getattr(template, f.attname), connection))
            for f in fields
        ]
        self.names = frozenset(name for name, _ in self.defaults)

    def row(self, **values) -> tuple:
        """A whole row: ``values`` by attribute name, the rest their defaults."""
        unknown = values.keys() - self.names
        if unknown:
            raise ValueError(f"{self.model.__name__} has no column for {sorted(unknown)}")
        return tuple(values.get(name, default) for name, default in self.defaults)

    def copy(self, cursor, rows: list[tuple], *, into: str = "") -> None:
        columns = list(self.quoted)
        if into:
            columns += ["head", "middle", "rest"]
        table = into or connection.ops.quote_name(self.model._meta.db_table)
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
