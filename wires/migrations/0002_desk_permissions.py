"""Journalists and editors read the wire on the desk. Making a draft needs nothing more
than adding stories (``articles.add_story``); providers are for administrators."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {"Journalists": ["view_wireitem"], "Editors": ["view_wireitem"]}


def grant(apps, schema_editor):
    # Permissions are normally made after migrations run; make this app's now.
    app_config = apps.get_app_config("wires")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="wires", codename__in=codenames)
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        group = Group.objects.filter(name=name).first()
        if group is not None:
            group.permissions.remove(
                *Permission.objects.filter(content_type__app_label="wires", codename__in=codenames)
            )


class Migration(migrations.Migration):
    dependencies = [
        ("wires", "0001_initial"),
        ("articles", "0003_editorial_groups"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
