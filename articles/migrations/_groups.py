"""Shared by the data migrations that give the editorial groups their permissions."""

from django.contrib.auth.management import create_permissions


def granter(grants: dict[str, list[str]]):
    def grant(apps, schema_editor):
        # Permissions are normally made after migrations run; make them now.
        for app_config in apps.get_app_configs():
            app_config.models_module = True
            create_permissions(app_config, apps=apps, verbosity=0)
            app_config.models_module = None
        Group = apps.get_model("auth", "Group")
        Permission = apps.get_model("auth", "Permission")
        for name, codenames in grants.items():
            group, _ = Group.objects.get_or_create(name=name)
            group.permissions.add(
                *Permission.objects.filter(
                    content_type__app_label="articles", codename__in=codenames
                )
            )

    return grant
