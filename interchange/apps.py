from django.apps import AppConfig


class InterchangeConfig(AppConfig):
    name = "interchange"
    verbose_name = "Interchange: API and webhooks"

    def ready(self):
        # Imported here, as Django requires of receivers: the models must be loaded
        # first. ``signals`` writes the outbox when a story is published, updated,
        # unpublished or corrected.
        from interchange import signals  # noqa: F401
