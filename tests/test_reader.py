"""The public reading site: home, story, preview, listings and error pages."""

import io
import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import engines
from django.urls import path, reverse
from django.utils import timezone
from PIL import Image

from articles import workflow
from articles.models import BriefingLabel, Story
from articles.tasks import make_image_renditions
from articles.views import HOME_SECTION_LENGTH
from articles.workflow import transition
from newsroom import urls as site_urls
from tests.factories import make_author, make_section, make_story, make_tag, make_user

pytestmark = pytest.mark.django_db

#: Queries a story page costs, whatever its number of bylines, sections and links: the
#: story with its rendering (articles.rendering: rendered when it was published), and
#: the section menu.
STORY_PAGE_QUERIES = 2
#: Home: the lead and each section's latest stories with their renderings (one query),
#: the section menu.
HOME_QUERIES = 2
#: A listing: the section (or author, tag), the page (and one story more, to know
#: whether an older page follows) with its renderings, the menu. No count.
LISTING_QUERIES = 3
#: Lead images cost nothing more: their renditions are in the stored HTML.
IMAGE_RENDITION_QUERIES = 0
#: An error page: the section menu.
ERROR_PAGE_QUERIES = 1


def _fail(request):
    raise RuntimeError("Something broke while building the page.")


def _forbid(request):
    raise PermissionDenied


def _bad(request):
    raise SuspiciousOperation("Nonsense in the request.")


# A URLconf for the error-page tests: the site's own URLs (the error templates
# link home) plus views that fail on purpose.
urlpatterns = [
    path("test-errors/500/", _fail),
    path("fa/test-errors/500/", _fail),
    path("test-errors/403/", _forbid),
    path("test-errors/400/", _bad),
    # The site's patterns themselves: its editions (i18n_patterns) cannot be included.
    *site_urls.urlpatterns,
]
handler500 = site_urls.handler500


def published(headline=None, **fields):
    return make_story(headline, publish=True, **fields)


def photo(size=(1600, 900)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 90, 160)).save(buffer, "JPEG")
    return SimpleUploadedFile("photo.jpg", buffer.getvalue(), content_type="image/jpeg")


def illustrated(headline=None, resized=True, **fields):
    """A published story with a lead image, and its renditions unless told otherwise."""
    story = published(headline, lead_image=photo(), lead_image_alt="Boats in a harbour", **fields)
    if resized:  # as the worker does after publication
        make_image_renditions.call(story.lead_image.name, 0.5, 0.5)
    return story


class _Pictures(HTMLParser):
    # The standard library's parser, since libxml2 does not know <picture>.
    def __init__(self):
        super().__init__()
        self.pictures, self.inside_main = [], False

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        if tag == "main":
            self.inside_main = True
        elif tag == "picture" and self.inside_main:
            self.pictures.append({"sources": [], "img": None})
        elif tag == "source" and self.pictures and self.pictures[-1]["img"] is None:
            self.pictures[-1]["sources"].append(attrs)
        elif tag == "img" and self.pictures and self.pictures[-1]["img"] is None:
            self.pictures[-1]["img"] = attrs


def image_tags(html):
    """The <picture> elements in the page's main part: {"sources": [...], "img": {...}}."""
    parser = _Pictures()
    parser.feed(html)
    return parser.pictures


def story_url(story):
    return story.get_absolute_url()


def text_of(response):
    return response.content.decode()


# --- home ----------------------------------------------------------------------------


def test_home_lists_published_stories_only(client):
    make_story("A draft nobody has seen")
    gone = published("Taken down story")
    workflow.transition(gone, "unpublish", None)
    published("A story readers can see")
    page = text_of(client.get("/"))
    assert "A story readers can see" in page
    assert "A draft nobody has seen" not in page
    assert "Taken down story" not in page


def test_home_leads_with_the_latest_story(client):
    older = published("Older news")
    Story.objects.filter(pk=older.pk).update(first_published_at=timezone.now() - timedelta(days=1))
    published("Breaking this morning", dek="The dek of the lead")
    response = client.get("/")
    page = text_of(response)
    assert response.context["lead"].headline == "Breaking this morning"
    lead_start = page.index('class="lead-story')
    assert lead_start < page.index("Breaking this morning") < page.index("Older news")
    assert "The dek of the lead" in page


def test_home_links_sections_in_the_header(client):
    make_section("Climate")
    page = text_of(client.get("/"))
    assert 'href="/sections/climate/"' in page


def test_section_menu_is_fetched_only_by_templates_that_show_it(rf, django_assert_num_queries):
    make_section("Climate")
    engine = engines["django"]
    request = rf.get("/")
    with django_assert_num_queries(0):
        assert engine.from_string("{{ site.SITE_NAME }}").render({}, request)
    # Once, however often the template uses it.
    with django_assert_num_queries(1):
        menu = engine.from_string(
            "{% if nav_sections %}{% for s in nav_sections %}{{ s.name }}{% endfor %}{% endif %}"
        ).render({}, request)
    assert menu == "Climate"


def test_story_page_marks_its_section_in_the_menu(client):
    climate = make_section("Climate")
    story = published(section=climate)
    page = text_of(client.get(story_url(story)))
    assert 'href="/sections/climate/" aria-current="page">Climate</a>' in page


def published_at(story, when):
    Story.objects.filter(pk=story.pk).update(first_published_at=when)


def home_groups(client):
    return [
        (group.section.name if group.section else None, [card.headline for card in group.cards])
        for group in client.get("/").context["groups"]
    ]


def test_home_groups_latest_stories_by_section_in_menu_order(client):
    world = make_section("World", position=1)
    sports = make_section("Sports", position=2)
    now = timezone.now()
    for minutes, headline, section in [
        (50, "Older world story", world),
        (40, "Older sports story", sports),
        (30, "Newer world story", world),
        (20, "Newer sports story", sports),
        (10, "A story with no section", None),
    ]:
        published_at(published(headline, section=section), now - timedelta(minutes=minutes))
    published("The lead story", section=world)
    assert home_groups(client) == [
        ("World", ["Newer world story", "Older world story"]),
        ("Sports", ["Newer sports story", "Older sports story"]),
        (None, ["A story with no section"]),
    ]


def test_home_section_headings_link_to_section_pages(client):
    world = make_section("World")
    published_at(published("World news", section=world), timezone.now() - timedelta(hours=1))
    published("Lead", section=make_section("Sports"))
    page = text_of(client.get("/"))
    assert f'<a href="{world.get_absolute_url()}">World</a></h2>' in page
    assert f'href="{world.get_absolute_url()}">All World stories' in page


def test_home_shows_a_few_stories_per_section(client):
    world = make_section("World")
    for i in range(HOME_SECTION_LENGTH + 3):
        published(f"World story {i}", section=world)
    ((_, headlines),) = home_groups(client)
    assert len(headlines) == HOME_SECTION_LENGTH


def test_home_does_not_repeat_the_lead_in_its_section(client):
    world = make_section("World")
    for i in range(HOME_SECTION_LENGTH + 1):
        published_at(
            published(f"World story {i}", section=world), timezone.now() - timedelta(hours=i)
        )
    response = client.get("/")
    assert response.context["lead"].headline == "World story 0"
    assert home_groups(client) == [
        ("World", [f"World story {i}" for i in range(1, HOME_SECTION_LENGTH + 1)])
    ]
    assert text_of(response).count(">World story 0</a>") == 1


def test_home_with_no_stories_says_so(client):
    assert "No stories have been published yet" in text_of(client.get("/"))


@pytest.mark.parametrize("size", [2, 12])
def test_home_cost_does_not_grow_with_stories(client, django_assert_num_queries, size):
    author = make_author()
    sections = [make_section() for _ in range(size)]
    for i in range(size * 3):
        published(authors=[make_author(), author], section=sections[i % size])
    with django_assert_num_queries(HOME_QUERIES):
        response = client.get("/")
    assert len(response.context["groups"]) == size


# --- story page -------------------------------------------------------------------------


def test_story_page_shows_lede_and_labelled_sections_in_order(client):
    story = published(
        "Iran and Belarus pledge closer security ties",
        dateline="MINSK",
        lede="The two officials discussed expanding cooperation.",
        sections=[
            ("Why it matters", "<p>Relations have gained strategic weight.</p>"),
            ("The big picture", "<p>Cooperation has accelerated since 2022.</p>"),
            ("What to watch", "<p>Whether cooperation is formalized.</p>"),
        ],
    )
    page = text_of(client.get(story_url(story)))
    assert "<h1" in page and "Iran and Belarus pledge closer security ties" in page
    assert "The two officials discussed expanding cooperation." in page
    assert "MINSK" in page
    positions = [
        page.index('<h2 class="brief__label">Why it matters</h2>'),
        page.index("<p>Relations have gained strategic weight.</p>"),
        page.index('<h2 class="brief__label">The big picture</h2>'),
        page.index("<p>Cooperation has accelerated since 2022.</p>"),
        page.index('<h2 class="brief__label">What to watch</h2>'),
        page.index("<p>Whether cooperation is formalized.</p>"),
    ]
    assert positions == sorted(positions)


def test_story_page_lists_go_deeper_entries(client):
    other = published("Iran, Belarus sign three cooperation documents")
    story = published(
        links=[
            ("Iran, Belarus sign three cooperation documents", other),
            ("The agreement in full", "https://example.org/agreement"),
            ("A story still to be found", None),
        ]
    )
    page = text_of(client.get(story_url(story)))
    assert "<h2" in page and ">Go deeper</h2>" in page
    assert (
        f'<a href="{story_url(other)}">Iran, Belarus sign three cooperation documents</a>' in page
    )
    assert 'href="https://example.org/agreement" class="external"' in page
    assert '<span class="go-deeper__title">A story still to be found</span>' in page


def test_story_page_bylines_link_to_author_pages_in_order(client):
    hossein = make_author("Hossein Amiri")
    mahboubeh = make_author("Mahboubeh Habibi")
    story = published(authors=[hossein, mahboubeh])
    page = text_of(client.get(story_url(story)))
    assert (
        f'By <a class="byline__name" href="{hossein.get_absolute_url()}"><bdi>Hossein Amiri</bdi></a>'
        f' and <a class="byline__name" href="{mahboubeh.get_absolute_url()}">'
        "<bdi>Mahboubeh Habibi</bdi></a>"
    ) in page


def test_story_page_shows_byline_role(client):
    story = make_story(authors=[make_author("Ana Ruiz")])
    story.bylines.update(role="additional reporting")
    workflow.save_revision(story, None)
    workflow.transition(story, "publish", None)
    page = text_of(client.get(story_url(story)))
    assert 'Ana Ruiz</bdi></a> <span class="byline__role">(additional reporting)</span>' in page


def test_story_page_gives_publication_time_machine_readably(client):
    story = published()
    page = text_of(client.get(story_url(story)))
    when = timezone.localtime(story.first_published_at).strftime("%Y-%m-%dT%H:%M:%S%z")
    assert re.search(rf'<time datetime="{re.escape(when)}"[ >]', page)


def test_republished_story_shows_updated_time(client):
    story = published()
    story.lede = "A new lede."
    story.save()
    workflow.save_revision(story, None)
    workflow.transition(story, "publish", None)
    page = text_of(client.get(story_url(story)))
    assert "Updated <time datetime=" in page


def test_story_page_lists_corrections_newest_first(client):
    story = published()
    now = timezone.now()
    workflow.correct(story, "correction", "The first fix.", None, at=now - timedelta(hours=2))
    workflow.correct(story, "clarification", "The second fix.", None, at=now - timedelta(hours=1))
    page = text_of(client.get(story_url(story)))
    assert page.index("The second fix.") < page.index("The first fix.")
    assert "<strong>Clarification</strong>" in page
    assert page.count('<li class="correction') == 2


def test_story_page_links_tags_and_section(client):
    section = make_section("World")
    tag = make_tag("Diplomacy")
    story = published(section=section, tags=[tag])
    page = text_of(client.get(story_url(story)))
    assert f'href="{section.get_absolute_url()}">World</a>' in page
    assert f'href="{tag.get_absolute_url()}">Diplomacy</a>' in page


def test_story_with_unicode_slug_is_served(client):
    story = published("ایران و بلاروس")
    assert client.get(story_url(story)).status_code == 200


def test_wrong_date_in_story_url_redirects_permanently_to_canonical(client):
    story = published()
    wrong = reverse(
        "articles:story-detail", kwargs={"year": 2001, "month": 1, "day": 2, "slug": story.slug}
    )
    response = client.get(wrong)
    assert response.status_code == 301
    assert response["Location"] == story_url(story)


def test_draft_story_is_404_for_readers(client):
    draft = make_story("Not ready yet")
    today = timezone.localdate()
    url = reverse(
        "articles:story-detail",
        kwargs={"year": today.year, "month": today.month, "day": today.day, "slug": draft.slug},
    )
    assert client.get(url).status_code == 404


def test_unpublished_story_is_404_for_readers(client):
    story = published()
    url = story_url(story)
    workflow.transition(story, "unpublish", None)
    assert client.get(url).status_code == 404


def test_editing_working_copy_leaves_public_page_alone_until_published(client):
    story = published(
        "Original headline", sections=[("Why it matters", "<p>Original reasoning.</p>")]
    )
    url = story_url(story)
    story.headline = "Edited headline"
    story.save()
    section = story.sections.get()
    section.body = "<p>Edited reasoning.</p>"
    section.save()
    workflow.save_revision(story, None)

    page = text_of(client.get(url))
    assert "Original headline" in page and "Original reasoning." in page
    assert "Edited headline" not in page and "Edited reasoning." not in page

    workflow.transition(story, "publish", None)
    page = text_of(client.get(url))
    assert "Edited headline" in page and "Edited reasoning." in page


@pytest.mark.parametrize("size", [1, 20])
def test_story_page_cost_does_not_grow_with_children(client, django_assert_num_queries, size):
    labels = list(BriefingLabel.objects.all())
    targets = [published(f"Linked story {i}") for i in range(size)]
    story = published(
        f"A story with {size} of everything",
        authors=[make_author() for _ in range(size)],
        sections=[(labels[i % len(labels)].name, f"<p>Body {i}.</p>") for i in range(size)],
        links=[(target.headline, target) for target in targets],
        tags=[make_tag() for _ in range(size)],
        section=make_section(),
    )
    workflow.correct(story, "correction", "A fix.", None)
    with django_assert_num_queries(STORY_PAGE_QUERIES):
        response = client.get(story_url(story))
    assert response.status_code == 200
    assert text_of(response).count('class="byline__name"') == size


def test_deleted_go_deeper_target_leaves_title_as_plain_text(client):
    target = published("A story that will be deleted")
    story = published(links=[("A story that will be deleted", target)])
    target_url = story_url(target)
    target.delete()
    response = client.get(story_url(story))
    assert response.status_code == 200
    page = text_of(response)
    assert '<span class="go-deeper__title">A story that will be deleted</span>' in page
    assert target_url not in page


# --- images ----------------------------------------------------------------------------


def test_story_lead_image_offers_webp_and_jpeg_renditions_at_three_widths(client):
    story = illustrated()
    ((figure,),) = [image_tags(text_of(client.get(story_url(story))))]
    (webp,) = figure["sources"]
    assert webp["type"] == "image/webp"
    assert [c.split()[-1] for c in webp["srcset"].split(", ")] == ["480w", "800w", "1200w"]
    assert webp["sizes"]
    img = figure["img"]
    assert [c.split()[-1] for c in img["srcset"].split(", ")] == ["480w", "800w", "1200w"]
    assert all(".jpg " in c for c in img["srcset"].split(", ") if c)
    assert img["sizes"] == webp["sizes"]
    assert img["src"].endswith("-w1200.jpg")
    assert (img["width"], img["height"]) == ("1200", "675")
    assert img["alt"] == "Boats in a harbour"


def test_story_lead_image_loads_at_once(client):
    story = illustrated()
    ((figure,),) = [image_tags(text_of(client.get(story_url(story))))]
    assert "loading" not in figure["img"]
    assert figure["img"]["fetchpriority"] == "high"


def test_lead_image_before_renditions_is_the_original_with_its_size(client):
    story = illustrated(resized=False)
    ((figure,),) = [image_tags(text_of(client.get(story_url(story))))]
    assert figure["sources"] == []
    assert figure["img"]["src"] == story.lead_image.url
    assert "srcset" not in figure["img"]
    assert (figure["img"]["width"], figure["img"]["height"]) == ("1600", "900")


def test_card_images_load_lazily_with_renditions_and_size(client):
    section = make_section()
    published_at(illustrated("Older", section=section), timezone.now() - timedelta(hours=1))
    illustrated("The lead", section=section)
    lead, card = image_tags(text_of(client.get("/")))
    assert "loading" not in lead["img"]
    assert card["img"]["loading"] == "lazy"
    assert card["img"]["srcset"] and card["sources"][0]["type"] == "image/webp"
    assert (card["img"]["width"], card["img"]["height"]) == ("1200", "675")


@pytest.mark.parametrize("size", [1, 6])
def test_image_cost_does_not_grow_with_images(client, django_assert_num_queries, size):
    sections = [make_section() for _ in range(size + 1)]
    stories = [illustrated(section=section, authors=[make_author()]) for section in sections]
    # A page with every kind of child, as in test_story_page_cost_does_not_grow_with_children.
    full = illustrated(authors=[make_author()], links=[("Related", stories[-1])])
    workflow.correct(full, "correction", "A fix.", None)
    with django_assert_num_queries(HOME_QUERIES + IMAGE_RENDITION_QUERIES):
        assert len(image_tags(text_of(client.get("/")))) == size + 2
    with django_assert_num_queries(LISTING_QUERIES + IMAGE_RENDITION_QUERIES):
        assert client.get(sections[0].get_absolute_url()).status_code == 200
    with django_assert_num_queries(STORY_PAGE_QUERIES + IMAGE_RENDITION_QUERIES):
        assert client.get(story_url(full)).status_code == 200


# --- staff preview of the working copy ---------------------------------------------


def preview_url(story):
    return reverse("articles:story-preview", args=[story.pk])


def test_preview_is_404_for_anonymous_readers(client):
    story = make_story("Secret draft")
    response = client.get(preview_url(story))
    assert response.status_code == 404
    assert "Secret draft" not in text_of(response)


def test_preview_is_404_for_staff_without_permission_to_view_stories(client):
    client.force_login(make_user("intern"))
    assert client.get(preview_url(make_story())).status_code == 404


def test_preview_is_404_for_a_journalist_who_does_not_write_the_story(client, journalist):
    story = make_story("Someone else's draft", created_by=make_user("colleague"))
    client.force_login(journalist)
    response = client.get(preview_url(story))
    assert response.status_code == 404
    assert "Someone else" not in text_of(response)


def test_preview_shows_any_story_to_an_editor(client, editor):
    story = make_story("A journalist's draft", created_by=make_user("colleague"))
    client.force_login(editor)
    assert "A journalist&#x27;s draft" in text_of(client.get(preview_url(story)))


def test_preview_shows_working_copy_to_journalist_with_banner(client, journalist):
    story = published("Live headline", created_by=journalist)
    story.headline = "Headline being rewritten"
    story.save()
    workflow.save_revision(story, journalist)
    client.force_login(journalist)
    response = client.get(preview_url(story))
    assert response.status_code == 200
    page = text_of(response)
    assert "Preview of the working copy — not what readers see" in page
    assert "Headline being rewritten" in page
    assert "Live headline" not in page


def test_preview_is_never_cached_nor_indexed(client, journalist):
    client.force_login(journalist)
    response = client.get(preview_url(make_story(created_by=journalist)))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Robots-Tag"] == "noindex"


# --- author, section and tag pages ---------------------------------------------------


def test_author_page_lists_only_their_published_stories(client):
    author = make_author("Lena Hartmann", job_title="Diplomatic correspondent", bio="Covers talks.")
    published("Lena's published story", authors=[author])
    make_story("Lena's draft", authors=[author])
    published("Someone else's story", authors=[make_author()])
    page = text_of(client.get(author.get_absolute_url()))
    assert "Diplomatic correspondent" in page and "Covers talks." in page
    assert "Lena&#x27;s published story" in page
    assert "Lena&#x27;s draft" not in page
    assert "Someone else&#x27;s story" not in page


def test_section_page_lists_only_its_published_stories(client):
    world = make_section("World", description="Beyond our borders.")
    published("World story", section=world)
    make_story("World draft", section=world)
    published("Sports story", section=make_section("Sports"))
    page = text_of(client.get(world.get_absolute_url()))
    assert "Beyond our borders." in page
    assert "World story" in page
    assert "World draft" not in page
    assert "Sports story" not in page


def test_tag_page_lists_only_its_published_stories(client):
    tag = make_tag("Elections")
    published("Tagged story", tags=[tag])
    make_story("Tagged draft", tags=[tag])
    published("Untagged story")
    page = text_of(client.get(tag.get_absolute_url()))
    assert "Tagged story" in page
    assert "Tagged draft" not in page
    assert "Untagged story" not in page


def test_section_page_is_paginated_by_twenty(client):
    section = make_section()
    for i in range(21):
        published(f"Numbered story {i:02d}", section=section)
    first = client.get(section.get_absolute_url())
    second = client.get(section.get_absolute_url(), {"page": 2})
    assert len(first.context["cards"]) == 20
    assert 'rel="next" href="?page=2"' in text_of(first)
    assert [card.headline for card in second.context["cards"]] == ["Numbered story 00"]
    assert 'rel="prev" href="?page=1"' in text_of(second)
    assert 'rel="next"' not in text_of(second)


def test_a_listing_of_exactly_one_page_offers_no_older_page(client):
    section = make_section()
    for i in range(20):
        published(f"Numbered story {i:02d}", section=section)
    first = client.get(section.get_absolute_url())
    assert len(first.context["cards"]) == 20
    assert 'rel="next"' not in text_of(first)
    assert "pagination" not in text_of(first)
    assert client.get(section.get_absolute_url(), {"page": 2}).status_code == 404


@pytest.mark.parametrize("size", [1, 12])
def test_listing_cost_does_not_grow_with_stories(client, django_assert_num_queries, size):
    section, tag, author = make_section(), make_tag(), make_author()
    for _ in range(size):
        published(section=section, tags=[tag], authors=[author, make_author(), make_author()])
    for listing in (section, tag, author):
        with django_assert_num_queries(LISTING_QUERIES):
            response = client.get(listing.get_absolute_url())
        assert len(response.context["cards"]) == size


@pytest.mark.parametrize("prefix", ["authors", "sections", "tags"])
def test_unknown_listing_slug_is_404(client, prefix):
    assert client.get(f"/{prefix}/no-such-thing/").status_code == 404


@pytest.mark.parametrize(
    "page", ["abc", "99999", "0", "-1", "1.5", "1e9999", "99999999999999999999", "٢"]
)
@pytest.mark.parametrize("factory", [make_author, make_section, make_tag])
def test_page_number_that_is_not_a_page_is_404(client, factory, page):
    listing = factory()
    assert client.get(listing.get_absolute_url(), {"page": page}).status_code == 404


# --- hostile text ---------------------------------------------------------------------


def test_script_in_story_text_never_reaches_a_page_unescaped(client, journalist):
    script = "<script>alert(1)</script>"
    author, section, tag = make_author(), make_section(), make_tag()
    story = published(
        f"Headline {script}",
        created_by=journalist,
        dek=f"Dek {script}",
        lede=f"Lede {script}",
        sections=[("Why it matters", f"<p>Body {script}</p>")],
        authors=[author],
        section=section,
        tags=[tag],
    )
    client.force_login(journalist)
    pages = [
        "/",
        story_url(story),
        preview_url(story),
        author.get_absolute_url(),
        section.get_absolute_url(),
        tag.get_absolute_url(),
    ]
    for url in pages:
        page = text_of(client.get(url))
        assert "<script>alert(1)" not in page, url
        assert "Headline &lt;script&gt;alert(1)&lt;/script&gt;" in page, url


# --- error pages ------------------------------------------------------------------------


def test_404_page_is_in_the_site_design(client, settings):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = text_of(response)
    assert settings.NEWSROOM["SITE_NAME"] in page
    assert 'href="/"' in page
    assert "site.css" in page


@pytest.mark.urls("tests.test_reader")
@pytest.mark.parametrize(
    ("url", "status"),
    [("/no-such-page/", 404), ("/test-errors/403/", 403), ("/test-errors/400/", 400)],
)
def test_error_pages_have_the_section_menu(client, url, status):
    make_section("Climate")
    response = client.get(url)
    assert response.status_code == status
    assert 'href="/sections/climate/">Climate</a>' in text_of(response)


@pytest.mark.parametrize("size", [1, 15])
def test_404_page_cost_does_not_grow_with_sections(client, django_assert_num_queries, size):
    for _ in range(size):
        make_section()
    with django_assert_num_queries(ERROR_PAGE_QUERIES):
        assert client.get("/no-such-page/").status_code == 404


@pytest.mark.urls("tests.test_reader")
def test_500_page_renders_on_its_own(client):
    client.raise_request_exception = False
    response = client.get("/test-errors/500/")
    assert response.status_code == 500
    page = text_of(response)
    assert "Something went wrong" in page
    assert 'href="/"' in page


@pytest.mark.urls("tests.test_reader")
def test_500_page_in_the_persian_edition_is_persian_and_leads_home_there(client):
    client.raise_request_exception = False
    response = client.get("/fa/test-errors/500/")
    assert response.status_code == 500
    page = text_of(response)
    assert '<html lang="fa" dir="rtl">' in page
    assert "مشکلی از سوی ما پیش آمد" in page and "Something went wrong" not in page
    assert 'href="/fa/"' in page and 'href="/"' not in page


@pytest.mark.urls("tests.test_reader")
def test_403_page_is_in_the_site_design(client, settings):
    response = client.get("/test-errors/403/")
    assert response.status_code == 403
    assert settings.NEWSROOM["SITE_NAME"] in text_of(response)
    assert "You can’t open this page" in text_of(response)


@pytest.mark.urls("tests.test_reader")
def test_400_page_is_in_the_site_design(client, settings):
    response = client.get("/test-errors/400/")
    assert response.status_code == 400
    assert settings.NEWSROOM["SITE_NAME"] in text_of(response)
    assert "We couldn’t understand that request" in text_of(response)


# --- nothing unpublished leaks ------------------------------------------------------------


def test_no_page_lists_links_searches_feeds_or_maps_an_unpublished_story(client, editor):
    section, tag, author = make_section("World"), make_tag("Diplomacy"), make_author("Ana Ruiz")
    shared = {"section": section, "tags": [tag], "authors": [author]}

    make_story("Zebradraft talks", **shared)
    in_review = make_story("Zebrareview talks", **shared)
    transition(in_review, "submit", editor)
    scheduled = make_story("Zebrascheduled talks", **shared)
    transition(scheduled, "submit", editor)
    transition(scheduled, "approve", editor)
    transition(scheduled, "schedule", editor, publish_at=timezone.now() + timedelta(days=1))
    gone = published("Zebragone talks", **shared)
    workflow.correct(gone, "correction", "Zebragone correction.", None)
    workflow.transition(gone, "unpublish", editor)
    # A live story whose working copy has an unpublished new headline.
    edited = published("Zebralive talks", **shared)
    workflow.correct(edited, "correction", "Zebralive correction.", None)
    edited.headline = "Zebraedit talks"
    edited.save()
    workflow.save_revision(edited, None)

    hidden = ["zebradraft", "zebrareview", "zebrascheduled", "zebragone", "zebraedit"]
    listing_pages = [
        "/",
        section.get_absolute_url(),
        tag.get_absolute_url(),
        author.get_absolute_url(),
        "/feed/",
        f"/sections/{section.slug}/feed/",
        f"/authors/{author.slug}/feed/",
        "/sitemap-stories.xml",
        "/sitemap-news.xml",
        "/corrections/",
    ]
    other_pages = ["/sitemap.xml", "/sitemap-sections.xml", "/sitemap-authors.xml"]
    for url in listing_pages + other_pages:
        response = client.get(url)
        assert response.status_code == 200, url
        content = response.content.decode().lower()
        for word in hidden:
            assert word not in content, (url, word)
        if url in listing_pages:
            assert "zebralive" in content, url

    for word in hidden:
        assert client.get("/search/", {"q": word}).context["results"] == [], word
    found = client.get("/search/", {"q": "zebralive"}).context["results"]
    assert [result.card.headline for result in found] == ["Zebralive talks"]
