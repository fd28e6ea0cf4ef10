"""The two editorial roles. Journalists write; editors also publish and manage the desk."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

WRITING = [
    "add_story", "change_story", "view_story",
    "add_byline", "change_byline", "delete_byline", "view_byline",
    "add_briefingsection", "change_briefingsection", "delete_briefingsection", "view_briefingsection",
    "add_relatedlink", "change_relatedlink", "delete_relatedlink", "view_relatedlink",
    "view_author", "add_author", "view_section", "view_tag", "add_tag", "view_briefinglabel",
    "view_revision", "view_correction",
]
EDITING = WRITING + [
    "publish_story", "delete_story",
    "change_author", "delete_author",
    "add_section", "change_section", "delete_section",
    "change_tag", "delete_tag",
    "add_briefinglabel", "change_briefinglabel", "delete_briefinglabel",
    "add_correction", "change_correction", "delete_correction",
]
GROUPS = {"Journalists": WRITING, "Editors": EDITING}


def create_groups(apps, schema_editor):
    # Permissions are normally made after migrations run; make them now so the
    # groups can be filled in the same migration.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="articles", codename__in=codenames)
        )


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0002_seed_briefing_labels"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
