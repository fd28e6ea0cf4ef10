from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Newsroom"

    def ready(self):
        # Imported here, as Django requires of receivers: the models must be loaded
        # first. ``signals`` audits failed sign-ins and refreshes pages after taxonomy
        # changes; ``tasks`` queues jobs after transitions.
        from articles import signals, tasks  # noqa: F401
