from django.core.validators import MinValueValidator
from django.db import models

from articles.brevity import RULE_CODES, RULES, rule_name


class HouseRuleQuerySet(models.QuerySet):
    def as_table(self) -> dict[str, "HouseRule"]:
        """Every rule by code: the stored ones, and the defaults of any not stored."""
        stored = {rule.code: rule for rule in self}
        return {code: stored.get(code) or HouseRule.default(code) for code in RULE_CODES}


class HouseRule(models.Model):
    """How much one of the house rules (``articles.brevity.RULES``) weighs at each step.

    Editors set them in the admin: off, a warning shown to whoever takes the step, or
    blocking (the step is refused with the list of what to fix, unless an editor
    overrides it with a written reason, which the history keeps).
    """

    class Level(models.TextChoices):
        OFF = "off", "Off"
        WARN = "warn", "Warning"
        BLOCK = "block", "Blocking"

    #: The workflow steps a rule can weigh on, as the transitions name them.
    STEPS = ("submit", "approve", "schedule", "publish")

    code = models.CharField(max_length=30, unique=True, choices=[(c, c) for c in RULE_CODES])
    limit = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="For the length rules: the most characters, words or sentences allowed.",
    )
    on_submit = models.CharField(max_length=5, choices=Level.choices, default=Level.WARN)
    on_approve = models.CharField(max_length=5, choices=Level.choices, default=Level.BLOCK)
    on_schedule = models.CharField(max_length=5, choices=Level.choices, default=Level.BLOCK)
    on_publish = models.CharField(max_length=5, choices=Level.choices, default=Level.BLOCK)

    objects = HouseRuleQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        verbose_name = "house rule"

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return rule_name(self.code, self.limit)

    def level(self, step: str) -> str:
        return getattr(self, f"on_{step}")

    @classmethod
    def default(cls, code: str) -> "HouseRule":
        """The rule as a new newsroom starts with it (not saved)."""
        rule = next(r for r in RULES if r.code == code)
        return cls(
            code=code,
            limit=rule.limit,
            **dict(
                zip(
                    ("on_submit", "on_approve", "on_schedule", "on_publish"),
                    rule.levels,
                    strict=True,
                )
            ),
        )
