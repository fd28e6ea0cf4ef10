"""The admin's story search costs a bounded amount whatever is pasted into it."""

import pytest
from django.urls import reverse

from articles.admin.story import SEARCH_WORDS
from tests.factories import make_story
from tests.servers import AppServer, Browser, production_password

CHANGELIST = reverse("admin:articles_story_changelist")


@pytest.mark.slow  # gunicorn with a short worker timeout
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_pasted_essay_in_the_admin_search_is_cut_to_its_first_words(editor):
    words = [f"word{n}" for n in range(150)]
    make_story("Budget " + " ".join(words[:SEARCH_WORDS]), lede="Council story.")
    make_story("Budget without the rest", lede="Another story.")
    password = production_password(editor)
    with AppServer(timeout=10) as app:
        desk = Browser(app.url)
        desk.sign_in(editor.username, password)
        answer = desk.get(f"{CHANGELIST}?q={'+'.join(words)}")
    assert answer.status == 200
    assert f"Searched for the first {SEARCH_WORDS} words only." in answer.text
    assert "Budget word0" in answer.text
    assert "Budget without the rest" not in answer.text
