"""`make run` serves the demo from SQLite: every public page must work there too.

The rest of the suite runs on PostgreSQL, where some listings use SQL that SQLite
lacks (a LIMIT inside each part of a UNION); this runs the real commands on a fresh
SQLite file in a child process and reads every kind of public page.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# manage.py migrate, load_demo and shell, each in a child process.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent

READ_PAGES = """
import json
from django.test import Client
from articles.models import Author, Section, Story, Tag

client = Client(HTTP_HOST="127.0.0.1")
story = Story.objects.published().order_by("-first_published_at").first()
urls = ["/", story.get_absolute_url(), "/search/?q=Belarus", "/corrections/", "/feed/",
        "/sitemap.xml", "/sitemap-stories.xml", "/sitemap-news.xml",
        "/sitemap-sections.xml", "/sitemap-authors.xml"]
for model in (Author, Section, Tag):
    item = model.objects.filter(live_stories__isnull=False).first()
    urls.append(item.get_absolute_url())
    if model is not Tag:
        urls.append(item.get_absolute_url() + "feed/")
pages = {}
for url in urls:
    response = client.get(url)
    pages[url] = [response.status_code, response.content.decode()]
print(json.dumps(pages))
"""


def run(args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_every_public_page_answers_on_the_sqlite_demo(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k != "REDIS_URL"},
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    for args in (["migrate", "--noinput", "-v0"], ["load_demo"]):
        result = run(args, env)
        assert result.returncode == 0, result.stderr
    result = run(["shell", "-v0", "-c", READ_PAGES], env)
    assert result.returncode == 0, result.stderr
    pages = json.loads(result.stdout.strip().splitlines()[-1])
    assert {url: status for url, (status, _) in pages.items()} == dict.fromkeys(pages, 200)
    home = pages["/"][1]
    assert "Iran and Belarus pledge closer security ties" in home
    assert home.count('class="card"') >= 2
    assert "Iran and Belarus" in pages["/search/?q=Belarus"][1]
