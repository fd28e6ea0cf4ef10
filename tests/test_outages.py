"""PostgreSQL going away: readers get a branded 503, never a traceback."""

import pytest
from django.db import OperationalError, connection, transaction

from articles.middleware import DatabaseUnavailableMiddleware
from tests.factories import make_story

# Closing the connection ends any test transaction, so these run outside one.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def database_down(settings):
    """Point the connection at a port where nothing listens, then restore it."""
    original = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict["PORT"] = 1
    yield
    connection.close()
    connection.settings_dict.update(original)


def test_public_page_answers_branded_503_with_retry_after(client, database_down):
    response = client.get("/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    body = response.content.decode()
    assert "Back in a moment" in body
    assert "Traceback" not in body


def test_the_persian_editions_503_is_persian_and_leads_home_there(client, database_down):
    response = client.get("/fa/")
    assert response.status_code == 503
    body = response.content.decode()
    assert '<html lang="fa" dir="rtl">' in body
    assert "به‌زودی برمی‌گردیم" in body and "حدود ۳۰ ثانیهٔ دیگر" in body
    assert 'href="/fa/"' in body and 'href="/"' not in body


def test_healthz_answers_503_when_the_database_is_down(client, database_down):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "error"


def test_slow_query_is_cut_off_by_the_statement_timeout():
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "15s"
        cursor.execute("SET LOCAL statement_timeout = '100ms'")
        with pytest.raises(OperationalError, match="statement timeout"):
            cursor.execute("SELECT pg_sleep(2)")


def test_a_query_cut_off_by_the_timeout_is_answered_with_the_branded_503(rf):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = '50ms'")
        try:
            cursor.execute("SELECT pg_sleep(2)")
        except OperationalError as error:
            timed_out = error
    middleware = DatabaseUnavailableMiddleware(lambda request: None)
    response = middleware.process_exception(rf.get("/"), timed_out)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "Traceback" not in response.content.decode()


def test_site_recovers_when_the_database_returns(client, settings):
    make_story("Back again", publish=True)
    original = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict["PORT"] = 1
    try:
        assert client.get("/").status_code == 503
    finally:
        connection.close()
        connection.settings_dict.update(original)
    assert client.get("/").status_code == 200
