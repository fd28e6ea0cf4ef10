"""The two editorial roles. Journalists write; editors also publish and manage the desk."""

from django.db import migrations

from articles.migrations._groups import granter

WRITING = [
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
    "add_author",
    "view_section",
    "view_tag",
    "add_tag",
    "view_briefinglabel",
    "view_revision",
    "view_correction",
]
EDITING = WRITING + [
    "publish_story",
    "delete_story",
    "change_author",
    "delete_author",
    "add_section",
    "change_section",
    "delete_section",
    "change_tag",
    "delete_tag",
    "add_briefinglabel",
    "change_briefinglabel",
    "delete_briefinglabel",
    "add_correction",
    "change_correction",
    "delete_correction",
]
GROUPS = {"Journalists": WRITING, "Editors": EDITING}


create_groups = granter(GROUPS)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0002_seed_briefing_labels"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
