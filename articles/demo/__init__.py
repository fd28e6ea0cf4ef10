"""What ``manage.py load_demo`` loads: sections, authors, accounts and story copy.

The copy lives in ``stories/`` as plain-text Smart Brevity files, the same format
``import_story`` reads, so the demo also shows the importer at work. Everything here
is invented for the demo except ``stories/seed-story.txt``, a byte-for-byte copy of the
project's seed story: the repository carries its own copy because CI and fresh
clones have nothing outside the checkout. ``stories/seed-story.fa.txt`` is a Persian
version of it written for the demo, published as its translation.
"""

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

STORIES_DIR = Path(__file__).resolve().parent / "stories"


@dataclass(frozen=True)
class DemoSection:
    name: str
    slug: str
    description: str
    persian: str = ""
    persian_description: str = ""


@dataclass(frozen=True)
class DemoAuthor:
    name: str
    job_title: str
    bio: str


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    group: str | None
    first_name: str
    last_name: str
    superuser: bool = False
    author: str | None = None  # the byline this account writes under


@dataclass(frozen=True)
class DemoStory:
    filename: str
    section: str  # a DemoSection slug
    published_ago: timedelta
    tags: tuple[str, ...] = ()
    dateline: str = ""
    headline: str | None = None  # for copy without a headline line of its own
    language: str = "en"
    #: The demo story this one translates (its file): linked to it, with its bylines.
    translation_of: str | None = None
    #: How this story's language writes its bylines' names: (name, name here) pairs.
    byline_names: tuple[tuple[str, str], ...] = ()

    @property
    def path(self) -> Path:
        return STORIES_DIR / self.filename

    def read(self) -> str:
        return self.path.read_text(encoding="utf-8")


SECTIONS = [
    DemoSection(
        "World",
        "world",
        "Diplomacy, conflict and politics beyond our borders.",
        "جهان",
        "دیپلماسی، جنگ و سیاست در آن سوی مرزها.",
    ),
    DemoSection(
        "Politics",
        "politics",
        "Parliament, government and the people who run them.",
        "سیاست",
        "مجلس، دولت و کسانی که آن‌ها را می‌گردانند.",
    ),
    DemoSection(
        "Business",
        "business",
        "Markets, companies, jobs and the economy.",
        "اقتصاد",
        "بازارها، شرکت‌ها، کار و اقتصاد.",
    ),
    DemoSection(
        "Technology",
        "technology",
        "The tools we use and the people who build them.",
        "فناوری",
        "ابزارهایی که به کار می‌بریم و کسانی که آن‌ها را می‌سازند.",
    ),
    DemoSection(
        "Climate",
        "climate",
        "A warming world, and what is being done about it.",
        "اقلیم",
        "جهانی که گرم‌تر می‌شود، و آنچه برایش انجام می‌شود.",
    ),
    DemoSection(
        "Health",
        "health",
        "Medicine, research and public health.",
        "سلامت",
        "پزشکی، پژوهش و سلامت عمومی.",
    ),
    DemoSection(
        "Sports",
        "sports",
        "Results, stories and the business of sport.",
        "ورزش",
        "نتیجه‌ها، داستان‌ها و اقتصاد ورزش.",
    ),
]

# Invented reporters for the invented stories. The seed story's two bylines come
# from its copy; the importer creates them, and an editor can add their details.
AUTHORS = [
    DemoAuthor(
        "Lena Hartmann",
        "Diplomatic correspondent",
        "Lena covers diplomacy, sanctions and security from Eastern Europe to the Gulf. "
        "She joined the newsroom after six years reporting on nuclear talks in Vienna.",
    ),
    DemoAuthor(
        "Daniel Okafor",
        "Political correspondent",
        "Daniel reports on parliament, budgets and elections. Before that he covered "
        "city hall for a regional daily.",
    ),
    DemoAuthor(
        "Priya Raman",
        "Business reporter",
        "Priya writes about the economy, central banks and labour. She trained as an "
        "economist and still reads every inflation report.",
    ),
    DemoAuthor(
        "Marcus Lindqvist",
        "Technology editor",
        "Marcus leads technology coverage, from software security to public transport "
        "systems. He was a software engineer for a decade before turning to journalism.",
    ),
    DemoAuthor(
        "Sofia Ruiz",
        "Climate reporter",
        "Sofia covers climate adaptation, energy and the coast. She grew up in a fishing "
        "town that floods most winters.",
    ),
    DemoAuthor(
        "Amira Haddad",
        "Health correspondent",
        "Amira reports on medical research and public health, with a focus on what new "
        "studies do and do not show.",
    ),
    DemoAuthor(
        "Tom Whitaker",
        "Sports writer",
        "Tom has covered football from the lower leagues to cup finals for fifteen seasons.",
    ),
    DemoAuthor(
        "Grace Mensah",
        "Data editor",
        "Grace turns budgets, surveys and timetables into numbers readers can use, and "
        "checks every figure in our By the numbers sections.",
    ),
]

# Demo credentials for a local SQLite demo only; load_demo says so when it prints them.
ACCOUNTS = [
    DemoAccount("admin", "newsroom-admin", None, "Ada", "Admin", superuser=True),
    DemoAccount("editor", "newsroom-editor", "Editors", "Eddie", "Editor"),
    DemoAccount(
        "journalist",
        "newsroom-journalist",
        "Journalists",
        "Lena",
        "Hartmann",
        author="Lena Hartmann",
    ),
]

SEED_HEADLINE = "Iran and Belarus pledge closer security ties"

# In publication order: a story's "Go deeper" target comes before it, so the importer
# finds it, and the seed story comes last, so it leads the home page.
STORIES = [
    DemoStory(
        "port-strike-wage-deal.txt",
        "business",
        timedelta(hours=70),
        tags=("Labour", "Trade"),
    ),
    DemoStory(
        "iran-belarus-cooperation-documents.txt",
        "world",
        timedelta(hours=62),
        tags=("Iran", "Belarus", "Diplomacy", "Trade"),
        dateline="MINSK",
    ),
    DemoStory(
        "open-source-security-fund.txt",
        "technology",
        timedelta(hours=50),
        tags=("Open source", "Cybersecurity"),
    ),
    DemoStory(
        "stopgap-budget.txt",
        "politics",
        timedelta(hours=40),
        tags=("Budget", "Parliament"),
    ),
    DemoStory(
        "central-bank-holds-rates.txt",
        "business",
        timedelta(hours=30),
        tags=("Interest rates", "Inflation"),
    ),
    DemoStory(
        "coastal-flood-defences.txt",
        "climate",
        timedelta(hours=22),
        tags=("Flooding", "Adaptation"),
    ),
    DemoStory(
        "walking-after-meals.txt",
        "health",
        timedelta(hours=14),
        tags=("Diabetes", "Research"),
    ),
    DemoStory(
        "regional-rail-tap-to-pay.txt",
        "technology",
        timedelta(hours=8),
        tags=("Transport", "Payments"),
    ),
    DemoStory(
        "harbour-town-cup-final.txt",
        "sports",
        timedelta(hours=4),
        tags=("Football",),
    ),
    DemoStory(
        "seed-story.txt",
        "world",
        timedelta(minutes=30),
        tags=("Iran", "Belarus", "Diplomacy", "Security"),
        dateline="MINSK",
        headline=SEED_HEADLINE,
    ),
    # The seed story in Persian, written for the demo: the Persian edition's lead.
    DemoStory(
        "seed-story.fa.txt",
        "world",
        timedelta(minutes=20),
        tags=("Iran", "Belarus", "Diplomacy", "Security"),
        dateline="مینسک",
        language="fa",
        translation_of="seed-story.txt",
        byline_names=(("Hossein Amiri", "حسین امیری"), ("Mahboubeh Habibi", "محبوبه حبیبی")),
    ),
]
