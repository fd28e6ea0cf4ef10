from django.db import migrations
from django.utils.text import slugify

STANDARD_LABELS = [
    "Why it matters",
    "The big picture",
    "Driving the news",
    "Zoom in",
    "Zoom out",
    "By the numbers",
    "Yes, but",
    "What they're saying",
    "Between the lines",
    "State of play",
    "What's next",
    "What to watch",
    "Reality check",
    "Flashback",
    "The bottom line",
]


def seed(apps, schema_editor):
    BriefingLabel = apps.get_model("articles", "BriefingLabel")
    for position, name in enumerate(STANDARD_LABELS, start=1):
        BriefingLabel.objects.get_or_create(
            slug=slugify(name), defaults={"name": name, "position": position * 10}
        )


def unseed(apps, schema_editor):
    BriefingLabel = apps.get_model("articles", "BriefingLabel")
    BriefingLabel.objects.filter(slug__in=[slugify(n) for n in STANDARD_LABELS]).delete()


class Migration(migrations.Migration):
    dependencies = [("articles", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
