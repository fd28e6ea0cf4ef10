from django.db import migrations

from articles.migrations._groups import granter


class Migration(migrations.Migration):
    dependencies = [("articles", "0004_workflow")]

    operations = [
        migrations.RunPython(
            granter(
                {
                    "Editors": [
                        "review_story",
                        "add_previewlink",
                        "view_previewlink",
                        "change_previewlink",
                        "view_auditentry",
                    ],
                    "Journalists": ["add_previewlink", "view_previewlink", "change_previewlink"],
                }
            ),
            migrations.RunPython.noop,
        )
    ]
