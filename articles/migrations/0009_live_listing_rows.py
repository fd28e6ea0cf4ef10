"""Story.live_authors and Story.live_tags get explicit rows that carry the story's
first publication time, with an index per author and per tag in date order.

The tables stay where they are (the rows Django made for the plain many-to-many
fields); only a column, its backfill and the listing indexes are added.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_publication_times(apps, schema_editor):
    Story = apps.get_model("articles", "Story")
    published = Story.objects.filter(pk=OuterRef("story_id")).values("first_published_at")
    for name in ("LiveAuthor", "LiveTag"):
        rows = apps.get_model("articles", name).objects
        rows.update(first_published_at=Subquery(published))
        # A live row without a publication time cannot be listed; publishing rewrites it.
        rows.filter(first_published_at__isnull=True).delete()


def live_row_model(name, other, other_model, table):
    return migrations.CreateModel(
        name=name,
        fields=[
            (
                "id",
                models.BigAutoField(
                    auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                ),
            ),
            (
                "story",
                models.ForeignKey(
                    on_delete=django.db.models.deletion.CASCADE,
                    related_name=f"live_{other}_rows",
                    to="articles.story",
                ),
            ),
            (
                other,
                models.ForeignKey(
                    on_delete=django.db.models.deletion.CASCADE,
                    related_name="+",
                    to=other_model,
                ),
            ),
        ],
        options={"db_table": table, "unique_together": {("story", other)}},
    )


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0008_reader_listing_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                live_row_model(
                    "LiveAuthor", "author", "articles.author", "articles_story_live_authors"
                ),
                migrations.AlterField(
                    model_name="story",
                    name="live_authors",
                    field=models.ManyToManyField(
                        blank=True,
                        editable=False,
                        related_name="live_stories",
                        through="articles.LiveAuthor",
                        to="articles.author",
                    ),
                ),
                live_row_model("LiveTag", "tag", "articles.tag", "articles_story_live_tags"),
                migrations.AlterField(
                    model_name="story",
                    name="live_tags",
                    field=models.ManyToManyField(
                        blank=True,
                        editable=False,
                        related_name="live_stories",
                        through="articles.LiveTag",
                        to="articles.tag",
                    ),
                ),
            ],
        ),
        migrations.AddField(
            model_name="liveauthor",
            name="first_published_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.AddField(
            model_name="livetag",
            name="first_published_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.RunPython(copy_publication_times, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="liveauthor",
            name="first_published_at",
            field=models.DateTimeField(),
        ),
        migrations.AlterField(
            model_name="livetag",
            name="first_published_at",
            field=models.DateTimeField(),
        ),
        migrations.AddIndex(
            model_name="liveauthor",
            index=models.Index(
                fields=["author", "-first_published_at", "-story"],
                name="live_author_listing_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="livetag",
            index=models.Index(
                fields=["tag", "-first_published_at", "-story"], name="live_tag_listing_idx"
            ),
        ),
    ]
