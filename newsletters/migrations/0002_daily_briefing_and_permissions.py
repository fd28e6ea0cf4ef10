"""A first newsletter, so that a fresh install (and ``build_digest`` on the demo) has one,
and the editors' rights over newsletters and editions. Subscribers are personal data:
no group gets them; administrators see them."""

from datetime import time

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "Editors": [
        "view_newsletter",
        "change_newsletter",
        "view_edition",
        "add_edition",
        "change_edition",
        "approve_edition",
        "view_editionitem",
        "add_editionitem",
        "change_editionitem",
    ],
}


def create(apps, schema_editor):
    Newsletter = apps.get_model("newsletters", "Newsletter")
    if not Newsletter.objects.exists():
        Newsletter.objects.create(
            name="Daily briefing",
            slug="daily",
            description="The most important stories of the last day, in brief, every morning.",
            send_time=time(7, 0),
            preselected=True,
        )
    # Permissions are normally made after migrations run; make this app's now.
    app_config = apps.get_app_config("newsletters")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="newsletters", codename__in=codenames
            )
        )


def remove(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        group = Group.objects.filter(name=name).first()
        if group is not None:
            group.permissions.remove(
                *Permission.objects.filter(
                    content_type__app_label="newsletters", codename__in=codenames
                )
            )


class Migration(migrations.Migration):
    dependencies = [
        ("newsletters", "0001_initial"),
        ("articles", "0003_editorial_groups"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create, remove)]
