"""Trigram indexes for the admin's story search (``icontains`` on headline and lede).

PostgreSQL only, and only where the pg_trgm extension can be created (it ships with
PostgreSQL and is "trusted": a database owner may create it). Without it the search
works the same, reading every story; the migration says so and how to add it later.
"""

from django.db import DatabaseError, migrations, transaction

INDEXES = {
    "story_headline_trgm": "UPPER(headline)",
    "story_lede_trgm": "UPPER(lede)",
}


def create_indexes(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError as error:
        print(
            f"\n  pg_trgm could not be created ({str(error).strip()}): the admin's story "
            "search will read every story. To index it later, run CREATE EXTENSION "
            "pg_trgm as a database owner, then `manage.py migrate articles 0009` and "
            "`manage.py migrate`."
        )
        return
    for name, expression in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON articles_story "
            f"USING gin ({expression} gin_trgm_ops)"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0009_live_listing_rows"),
    ]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
