"""A trigram index of published stories' live headlines, for reader search's fallback
when no story has every word of a query (``articles.search.close_stories``).

PostgreSQL only, and only where pg_trgm exists (migration 0010 creates it when it
can); without it search simply offers nothing close.
"""

from django.db import migrations

INDEX = (
    "CREATE INDEX IF NOT EXISTS story_live_headline_trgm ON articles_story "
    "USING gin ((split_part(search_text, E'\\n', 1)) gin_trgm_ops) "
    "WHERE live_revision_id IS NOT NULL"
)


def create_index(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        if cursor.fetchone() is None:
            print("\n  pg_trgm is not installed: reader search will offer no close headlines.")
            return
    schema_editor.execute(INDEX)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS story_live_headline_trgm")


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0024_edition_listing_indexes"),
    ]

    operations = [migrations.RunPython(create_index, drop_index)]
