import pytest

from tests.factories import make_user


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """Serve static files from the finders: tests do not run collectstatic."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def journalist(db):
    return make_user(
        "journalist",
        perms=[
            "add_story",
            "change_story",
            "view_story",
            "add_byline",
            "change_byline",
            "delete_byline",
            "view_byline",
            "add_briefingsection",
            "change_briefingsection",
            "delete_briefingsection",
            "view_briefingsection",
            "add_relatedlink",
            "change_relatedlink",
            "delete_relatedlink",
            "view_relatedlink",
            "view_author",
            "view_section",
            "view_tag",
            "view_briefinglabel",
        ],
    )


@pytest.fixture
def editor(db):
    from django.contrib.auth.models import Permission

    user = make_user("editor")
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="articles"))
    return user


@pytest.fixture
def admin_user(db):
    return make_user("admin", is_superuser=True)
