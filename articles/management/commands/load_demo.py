from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from articles import demo, workflow
from articles.importer import import_copy
from articles.models import Author, Section, Story, Tag
from articles.parser import ParseError
from articles.text import make_slug

ADMIN_URL = "http://127.0.0.1:8000/admin/"
DEMO_OVERRIDE = "Demo content, published as its writers sent it."


class Command(BaseCommand):
    help = (
        "Load demo content for trying the site locally: sections, authors, ten published "
        "stories imported from articles/demo/stories/ (the seed story leading the home "
        "page) and admin, editor and journalist accounts with fixed demo passwords. "
        "Safe to run again: whatever already exists is left as it is."
    )

    def handle(self, *args, **options):
        now = timezone.now()
        with transaction.atomic():
            sections = self.load_sections()
            self.load_authors()
            accounts = self.load_accounts()
            editor = accounts["editor"]
            # Someone else's "editor" account may lack the permission; then the
            # system publishes, as scheduled publishing does.
            publisher = editor if editor.has_perm("articles.publish_story") else None
            loaded = {}
            for item in demo.STORIES:
                loaded[item.filename] = self.load_story(
                    item,
                    sections[item.section],
                    by=publisher,
                    at=now - item.published_ago,
                    original=loaded.get(item.translation_of),
                )
        self.print_logins()

    # --- taxonomy and people ---------------------------------------------------------

    def load_sections(self) -> dict[str, Section]:
        sections = {}
        for position, item in enumerate(demo.SECTIONS, start=1):
            section = Section.objects.filter(Q(slug=item.slug) | Q(name__iexact=item.name)).first()
            if section is None:
                section = Section.objects.create(
                    name=item.name,
                    slug=item.slug,
                    description=item.description,
                    position=position,
                    names={"fa": item.persian} if item.persian else {},
                    descriptions=(
                        {"fa": item.persian_description} if item.persian_description else {}
                    ),
                )
                self.created(f"Section {section.name}")
            else:
                self.exists(f"Section {section.name}")
            sections[item.slug] = section
        return sections

    def load_authors(self) -> None:
        for item in demo.AUTHORS:
            author = Author.objects.filter(name=item.name).order_by("pk").first()
            if author is None:
                Author.objects.create(name=item.name, job_title=item.job_title, bio=item.bio)
                self.created(f"Author {item.name}, {item.job_title}")
            else:
                self.exists(f"Author {item.name}")

    def load_accounts(self) -> dict:
        User = get_user_model()
        accounts = {}
        for item in demo.ACCOUNTS:
            user = User.objects.filter(username=item.username).first()
            if user is not None:
                self.exists(f"Account {item.username} (its password is left as it is)")
                accounts[item.username] = user
                continue
            user = User(
                username=item.username,
                first_name=item.first_name,
                last_name=item.last_name,
                is_staff=True,
                is_superuser=item.superuser,
            )
            # set_password skips the validators on purpose: these are published demo
            # passwords for a local database, not anyone's real credentials.
            user.set_password(item.password)
            user.save()
            if item.group:
                user.groups.add(Group.objects.get(name=item.group))
            if item.author:
                Author.objects.filter(name=item.author, user__isnull=True).update(user=user)
            self.created(f"Account {item.username}" + (f" in {item.group}" if item.group else ""))
            accounts[item.username] = user
        return accounts

    # --- stories -----------------------------------------------------------------------

    def load_story(
        self, item: demo.DemoStory, section: Section, *, by, at, original: Story | None = None
    ) -> Story:
        text = item.read()
        headline = item.headline or text.lstrip().splitlines()[0].strip()
        story = Story.objects.filter(Q(headline=headline) | Q(slug=make_slug(headline))).first()
        if story is not None:
            self.exists(f"Story “{story.headline}”")
            return story

        try:
            result = import_copy(
                text, headline=item.headline, section=section, by=by, language=item.language
            )
        except ParseError as error:
            raise CommandError(f"{item.filename}: {error}") from error
        story = result.story
        for warning in result.warnings:
            self.stdout.write(self.style.WARNING(f"  {item.filename}: {warning}"))
        for title in result.unresolved:
            self.stdout.write(self.style.WARNING(f"  {item.filename}: no story for “{title}”"))

        if item.dateline:
            story.dateline = item.dateline
            story.save()
        if original is not None:
            # A translation: linked to its original, under the same bylines.
            story.translation_source = original
            story.save()
            story.bylines.all().delete()
            for byline in original.bylines.all():
                story.bylines.create(author_id=byline.author_id, position=byline.position)
        for name, local in item.byline_names:
            # The Persian edition writes the bylines in Persian (where nobody has yet).
            for author in Author.objects.filter(name=name):
                if not (author.names or {}).get(item.language):
                    author.names = {**(author.names or {}), item.language: local}
                    author.save(update_fields=["names"])
        story.tags.set([Tag.objects.get_or_create(name=name)[0] for name in item.tags])
        workflow.save_revision(story, by, "Demo: dateline and tags")
        # Demo copy is published as its writers sent it, house rules or not: the seed
        # story itself breaks them (394 words, a two-sentence lede), as the history says.
        try:
            workflow.transition(story, "publish", by, at=at, override_reason=DEMO_OVERRIDE)
        except workflow.RulesFailed as refused:
            raise CommandError(
                f"{item.filename}: {refused.messages[0]} Give the demo's editor account "
                "the right to override the house rules, or turn them off "
                "(NEWSROOM_HOUSE_RULES=0)."
            ) from refused
        self.created(
            f"Story “{story.headline}” in {section.name}, "
            f"by {', '.join(b.author.name for b in story.bylines.select_related('author'))}"
        )
        return story

    # --- output ------------------------------------------------------------------------

    def created(self, what: str) -> None:
        self.stdout.write(self.style.SUCCESS(f"Created {what}"))

    def exists(self, what: str) -> None:
        self.stdout.write(f"{what}: already loaded")

    def print_logins(self) -> None:
        logins = "  ".join(f"{a.username} / {a.password}" for a in demo.ACCOUNTS)
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Admin: {ADMIN_URL}  {logins}"))
        self.stdout.write(
            self.style.WARNING(
                "These are demo credentials for a local demo only: do not use them on a "
                "server anyone else can reach. Accounts that already existed keep their "
                "own passwords."
            )
        )
