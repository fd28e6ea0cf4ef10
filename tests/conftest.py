"""What every test file shares: the named people, signed-in browsers, and the form a page shows.

Rows a whole module reads (the demo content, the role matrix's people) are made once
for the module with :func:`module_rows` instead of once per test: ``demo`` is the
demo content loaded that way.

People: ``journalist`` (writes), ``other_journalist`` (writes, not these stories),
``editor`` and ``admin_user`` (a superuser). Each ``as_…`` fixture is a separate
``Client`` signed in as that person, so a test can hold several at once.
``form_values(response)`` is the POST a browser would send back for the admin form a
page shows.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.forms import CheckboxInput, FileField, ModelMultipleChoiceField, MultipleChoiceField
from django.test import Client, override_settings
from django.urls import reverse

from articles.cache import forget_generation
from tests.factories import make_user


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """Serve static files from the finders: tests do not run collectstatic."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """A full-strength hash costs about a second per user; tests need no protection."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _house_rules(request, settings):
    """The house rules gate the workflow only in the tests about them (marked
    ``house_rules``): elsewhere a test's story need not be a complete one."""
    if request.node.get_closest_marker("house_rules") is None:
        settings.NEWSROOM = {**settings.NEWSROOM, "HOUSE_RULES": False}


@pytest.fixture(autouse=True)
def _fresh_page_generation():
    """Each test's first cached page reads the publication generation anew."""
    forget_generation()


@pytest.fixture
def page_cache(settings):
    """The page cache on (600 s), empty before and after the test."""
    settings.NEWSROOM = {**settings.NEWSROOM, "PAGE_CACHE_SECONDS": 600}
    cache.clear()
    yield
    cache.clear()


# --- rows made once for a module -----------------------------------------------------------


@contextmanager
def module_rows[T](django_db_blocker, make: Callable[[], T]) -> Iterator[T]:
    """What ``make()`` writes, there for every test of a module and gone after it.

    ``make`` runs in a transaction rolled back when the block ends, and each test runs
    in a savepoint within it (pytest-django's own), so what one test changes is gone
    before the next. For module-scoped fixtures of modules whose tests use ``db`` (not
    ``transactional_db``: nothing here is committed)."""
    quick = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        # Sketches of stories: the house rules are tested on their own.
        NEWSROOM={**django_settings.NEWSROOM, "HOUSE_RULES": False},
    )
    with django_db_blocker.unblock(), transaction.atomic():
        with quick:
            made = make()
        yield made
        transaction.set_rollback(True)


def _load_demo() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker) -> Iterator[str]:
    """The demo content (``manage.py load_demo``), loaded once for the module; what the
    command printed."""
    with module_rows(django_db_blocker, _load_demo) as printed:
        yield printed


# --- people ---------------------------------------------------------------------------


def in_group(user, name: str):
    user.groups.add(Group.objects.get(name=name))
    return user


@pytest.fixture
def journalist(db):
    return in_group(make_user("journalist"), "Journalists")


@pytest.fixture
def other_journalist(db):
    """A second journalist, who writes none of ``journalist``'s stories."""
    return in_group(make_user("other_journalist"), "Journalists")


@pytest.fixture
def editor(db):
    return in_group(make_user("editor"), "Editors")


@pytest.fixture
def admin_user(db):
    return make_user("admin", is_superuser=True)


# --- signed-in browsers -----------------------------------------------------------------


def signed_in(user, **options) -> Client:
    """A browser of its own, signed in as ``user``."""
    client = Client(**options)
    client.force_login(user)
    return client


@pytest.fixture
def as_journalist(journalist):
    return signed_in(journalist)


@pytest.fixture
def as_other_journalist(other_journalist):
    return signed_in(other_journalist)


@pytest.fixture
def as_editor(editor):
    return signed_in(editor)


@pytest.fixture
def as_admin(admin_user):
    return signed_in(admin_user)


# --- the form a page shows ----------------------------------------------------------------


def change_url(story) -> str:
    """The story's page in the admin."""
    return reverse("admin:articles_story_change", args=[story.pk])


def messages_of(response) -> list[str]:
    """The messages a page shows (a followed redirect's)."""
    return [str(m) for m in response.context["messages"]]


def _bound_values(form) -> dict:
    values = {}
    for name, field in form.fields.items():
        bound = form[name]
        value = bound.value()
        if isinstance(field, FileField):
            continue
        if isinstance(field.widget, CheckboxInput):
            if value:
                values[bound.html_name] = "on"
            continue
        if isinstance(field, MultipleChoiceField | ModelMultipleChoiceField):
            values[bound.html_name] = [str(v) for v in value or []]
        else:
            values[bound.html_name] = "" if value is None else str(value)
    return values


def form_values(response) -> dict:
    """The admin form as the page shows it, with existing inline rows and no blank ones:
    what a browser posts back when nothing is changed."""
    data = _bound_values(response.context["adminform"].form)
    for inline in response.context.get("inline_admin_formsets", []):
        formset = inline.formset
        initial = formset.initial_form_count()
        data |= _bound_values(formset.management_form)
        data[f"{formset.prefix}-TOTAL_FORMS"] = str(initial)
        for form in formset.forms[:initial]:
            data |= _bound_values(form)
    return data


def add_row(data: dict, prefix: str, **values) -> None:
    """Add an inline row (a byline, a section, a link) to form values."""
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)
    for name, value in values.items():
        data[f"{prefix}-{index}-{name}"] = str(value)
