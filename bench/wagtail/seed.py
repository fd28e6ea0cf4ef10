"""2,000 published StoryPages like the stories of ``seed_bench``: 2-3 bylines, 4-6
labelled briefing sections, three Go deeper links to earlier pages, a section, tags.

    python seed.py [PAGES]        (in the Wagtail project, by bench/wagtail/build.sh)
"""

import os
import random
import sys
from datetime import timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchsite.settings.production")
django.setup()

from django.utils import timezone  # noqa: E402
from django.utils.text import slugify  # noqa: E402
from home.models import Author, HomePage, Section, StoryPage  # noqa: E402
from wagtail.models import Page, Site  # noqa: E402

LABELS = ["Why it matters", "The big picture", "Driving the news", "Zoom in", "By the numbers",
          "Yes, but", "What they're saying", "What's next"]  # fmt: skip
WORDS = ["port", "workers", "city", "council", "rail", "budget", "approved", "delayed",
         "housing", "plan", "water", "tariffs", "flood", "barriers", "commuters", "nurses",
         "officials", "said", "would", "raise", "costs", "within", "years"]  # fmt: skip


def sentence(rng):
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(12, 22))).capitalize() + "."


def main(total: int) -> None:
    rng = random.Random(1)
    home = HomePage.objects.first() or Page.objects.get(depth=2).specific
    sections = [Section.objects.get_or_create(name=n, slug=slugify(n))[0]
                for n in ("World", "Politics", "Business", "Science", "Health")]  # fmt: skip
    authors = [Author.objects.get_or_create(name=f"Author {i}", slug=f"author-{i}",
                                            defaults={"job_title": "Reporter"})[0]
               for i in range(200)]  # fmt: skip
    start = timezone.now() - timedelta(days=700)
    made = []
    for i in range(total):
        body = [("briefing", {"label": label, "body": f"<p>{sentence(rng)} {sentence(rng)}</p>"})
                for label in [LABELS[0], *rng.sample(LABELS[1:], rng.randint(3, 5))]]  # fmt: skip
        links = [("link", {"title": t.title, "page": t, "url": ""})
                 for t in rng.sample(made[-2000:], min(3, len(made)))]  # fmt: skip
        while len(links) < 3:
            links.append(("link", {"title": "Background", "page": None,
                                   "url": "https://example.org/background"}))  # fmt: skip
        headline = sentence(rng)[:90].rstrip(".")
        page = StoryPage(
            title=headline,
            slug=f"story-{i + 1}",
            dek=sentence(rng),
            dateline="EASTPORT",
            lede=sentence(rng),
            section=rng.choice(sections),
            tag_names="Rail, Budget",
            body=body,
            links=links,
            live=True,
            first_published_at=start + timedelta(minutes=i * 5),
        )
        home.add_child(instance=page)
        page.authors.set(rng.sample(authors, rng.randint(2, 3)))
        made.append(page)
        if (i + 1) % 250 == 0:
            print(f"{i + 1:,} pages", file=sys.stderr, flush=True)
    site = Site.objects.first()
    print(f"{StoryPage.objects.live().count():,} live story pages; site root {site.root_page_id}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
