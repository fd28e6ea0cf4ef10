"""Audit actions are declared where they are done (a callable list, so adding one needs
no migration); edits are recorded as "edit"; corrections become append-only, so the
editors lose the right to change or delete them (administrators keep it, audited)."""

import articles.models.audit
from django.db import migrations, models

TAKEN_FROM_EDITORS = ["change_correction", "delete_correction"]


def rename_edit_reset(apps, schema_editor):
    # The audit table refuses UPDATE through its own queryset; a migration's historical
    # model has a plain one. Only the action's code changes: "edit" is what it was.
    apps.get_model("articles", "AuditEntry").objects.filter(action="edit_reset").update(
        action="edit"
    )


def restore_edit_reset(apps, schema_editor):
    apps.get_model("articles", "AuditEntry").objects.filter(
        action="edit", from_status__in=["in_review", "approved", "scheduled"], to_status="draft"
    ).update(action="edit_reset")


def _editors_correction_rights(apps, change: str) -> None:
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    rights = Permission.objects.filter(
        content_type__app_label="articles", codename__in=TAKEN_FROM_EDITORS
    )
    for group in Group.objects.filter(name="Editors"):
        getattr(group.permissions, change)(*rights)


def take_correction_rights(apps, schema_editor):
    _editors_correction_rights(apps, "remove")


def give_correction_rights(apps, schema_editor):
    _editors_correction_rights(apps, "add")


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0010_admin_search_trigram"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditentry",
            name="action",
            field=models.CharField(
                choices=articles.models.audit.action_choices, db_index=True, max_length=20
            ),
        ),
        migrations.RunPython(rename_edit_reset, restore_edit_reset),
        migrations.RunPython(take_correction_rights, give_correction_rights),
    ]
