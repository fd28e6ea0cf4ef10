"""House rules at the gates of the workflow: what a story must be before it moves.

A transition that declares a ``gate`` (submit, approve, schedule, publish) is judged
against the house rules (``articles.brevity``, weighed by ``HouseRule``): a *blocking*
finding refuses it with the list of what to fix, unless an editor overrides it with a
written reason (audited); a *warning* lets it through and is shown to whoever took it.
The scheduled-publication job is judged the same way and, refused, does not publish.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.utils import translation

from articles import snapshot
from articles.brevity import Facts, Finding, Part, check
from articles.models import HouseRule, Story
from articles.models.audit import declare_action

OVERRIDE = declare_action("rules_overridden", "Overrode house rules")


@dataclass(frozen=True)
class Judgement:
    blocking: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)


def facts_of(story: Story) -> Facts:
    """What the rules read of the story's working copy."""
    content = snapshot.build(story)
    return Facts(
        headline=content.headline,
        headline_is_provisional=story.headline_is_provisional,
        lede=content.lede,
        bylines=len(content.bylines),
        has_desk=content.section is not None,
        parts=tuple(Part(p.label, p.label_slug, p.body) for p in content.sections),
        image=content.image is not None,
        image_alt=content.image.alt if content.image else "",
        links=tuple((link.title, bool(link.story_id or link.url)) for link in content.links),
        open_comments=_open_comments(story),
    )


def _open_comments(story: Story) -> int:
    comments = getattr(story, "comments", None)  # the review conversation, when installed
    return comments.open_for(story).count() if comments is not None else 0


def findings(story: Story, table: dict[str, HouseRule]) -> list[Finding]:
    """Every house rule the working copy breaks, with the editors' limits (``table``).

    The messages are in the story's language, whoever reads them: the writer of a
    Persian story fixes it in Persian. The admin around them stays in its own language.
    """
    limits = {code: rule.limit for code, rule in table.items() if rule.limit is not None}
    facts = facts_of(story)
    with translation.override(story.language):
        return check(facts, limits)


def judge(story: Story, step: str) -> Judgement:
    """The house rules the working copy breaks, weighed for ``step``."""
    if not settings.NEWSROOM.get("HOUSE_RULES", True):
        return Judgement()
    table = HouseRule.objects.as_table()
    judgement = Judgement()
    for finding in findings(story, table):
        level = table[finding.code].level(step)
        if level == HouseRule.Level.BLOCK:
            judgement.blocking.append(finding)
        elif level == HouseRule.Level.WARN:
            judgement.warnings.append(finding)
    return judgement


def advice(story: Story) -> list[Finding]:
    """Everything the working copy breaks that any step weighs: shown after a save."""
    table = HouseRule.objects.as_table()
    return [
        finding
        for finding in findings(story, table)
        if any(table[finding.code].level(step) != HouseRule.Level.OFF for step in HouseRule.STEPS)
    ]


def may_override(user) -> bool:
    return user is not None and user.is_active and user.has_perm("articles.override_rules")
