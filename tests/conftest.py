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
def _fast_password_hasher(settings):
    """A full-strength hash costs about a second per user; tests need no protection."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _in_group(user, name):
    from django.contrib.auth.models import Group

    user.groups.add(Group.objects.get(name=name))
    return user


@pytest.fixture
def journalist(db):
    return _in_group(make_user("journalist"), "Journalists")


@pytest.fixture
def editor(db):
    return _in_group(make_user("editor"), "Editors")


@pytest.fixture
def admin_user(db):
    return make_user("admin", is_superuser=True)
