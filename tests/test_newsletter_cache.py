"""The sign-up box is on every reader page, and those pages stay cached whole for
anonymous readers: the box sets no cookie, holds no CSRF token or nonce, and works
without a session, from a page served out of the cache."""

import re

import pytest
from django.test import Client

from newsletters.models import Subscriber
from tests.factories import make_story

pytestmark = pytest.mark.django_db

BOX = 'action="/newsletter/"'


@pytest.fixture
def story():
    return make_story("Cached with a sign-up box", publish=True)


@pytest.mark.parametrize("page", ["home", "story"])
def test_a_page_with_the_sign_up_box_is_cached_for_anonymous_readers(page_cache, story, page):
    path = "/" if page == "home" else story.get_absolute_url()
    reader = Client()
    first = reader.get(path)
    assert BOX in first.content.decode(), (
        "templates/base.html must include newsletters/includes/signup_box.html"
    )
    assert first["X-Cache"] == "miss"
    assert not first.cookies and "Set-Cookie" not in first
    second = Client().get(path)
    assert second["X-Cache"] == "hit"
    assert second.content == first.content


def test_the_sign_up_box_holds_nothing_made_for_one_request(page_cache, story, settings):
    settings.NEWSROOM = {**settings.NEWSROOM, "PAGE_CACHE_SECONDS": 0}  # render twice
    first = Client().get("/").content.decode()
    second = Client().get("/").content.decode()
    assert BOX in first
    box = re.search(r'<form[^>]*action="/newsletter/".*?</form>', first, re.S).group(0)
    assert "csrfmiddlewaretoken" not in box and "nonce" not in box
    assert re.search(r'name="token" value=""', box)
    assert first == second


def test_the_box_works_from_a_cached_page_with_no_cookie_at_all(page_cache, story):
    reader = Client(enforce_csrf_checks=True)
    assert reader.get("/")["X-Cache"] in ("miss", "hit")
    token = reader.get("/newsletter/token/").json()["token"]  # what newsletter.js does
    response = reader.post(
        "/newsletter/",
        {"email": "cached@example.org", "token": token},
        headers={"Origin": "http://testserver"},
    )
    assert response.status_code == 200
    assert Subscriber.objects.filter(email="cached@example.org").exists()
    assert not reader.cookies
    # The reader is still anonymous to the page cache afterwards.
    assert reader.get("/")["X-Cache"] == "hit"
