"""Fail fast, with one clear line, when the test database is not there."""

import os

import pytest


def pytest_sessionstart(session):
    """Stop at once, with one clear line, when the test database cannot be reached."""
    import dj_database_url
    import psycopg

    url = os.environ["DATABASE_URL"]
    config = dj_database_url.parse(url)
    if "postgresql" not in config["ENGINE"]:
        return
    try:
        psycopg.connect(
            host=config["HOST"] or None,
            port=config["PORT"] or None,
            user=config["USER"] or None,
            password=config["PASSWORD"] or None,
            dbname="postgres",
            connect_timeout=3,
        ).close()
    except psycopg.OperationalError:
        pytest.exit(
            f"PostgreSQL is not reachable at {config['HOST'] or 'localhost'}:{config['PORT'] or 5432}. "
            "Start it (pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start) "
            "or set DATABASE_URL to a PostgreSQL server you can use.",
            returncode=3,
        )
