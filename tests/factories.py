"""Small factory functions: each makes one saved object with sensible defaults."""

import itertools

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from articles import workflow
from articles.models import (
    Author,
    BriefingLabel,
    BriefingSection,
    Byline,
    RelatedLink,
    Section,
    Story,
    Tag,
)

_seq = itertools.count(1)


def make_user(username=None, *, staff=True, perms=(), **fields):
    username = username or f"user{next(_seq)}"
    user = get_user_model().objects.create_user(
        username=username, password="correct horse battery staple", is_staff=staff, **fields
    )
    if perms:
        user.user_permissions.set(
            Permission.objects.filter(content_type__app_label="articles", codename__in=perms)
        )
    return user


def make_author(name=None, **fields):
    return Author.objects.create(name=name or f"Author {next(_seq)}", **fields)


def make_section(name=None, **fields):
    return Section.objects.create(name=name or f"Section {next(_seq)}", **fields)


def make_tag(name=None):
    return Tag.objects.create(name=name or f"Tag {next(_seq)}")


def label(name):
    return BriefingLabel.objects.get(name=name)


def make_story(
    headline=None,
    *,
    authors=(),
    sections=(),
    links=(),
    tags=(),
    publish=False,
    by=None,
    **fields,
):
    """A story with children. ``sections`` is a list of (label name or None, html body);
    ``links`` a list of (title, target story or URL or None)."""
    fields.setdefault("lede", "Something happened today, and it matters to you.")
    story = Story.objects.create(headline=headline or f"Story {next(_seq)}", **fields)
    for position, author in enumerate(authors):
        Byline.objects.create(story=story, author=author, position=position)
    for position, (label_name, body) in enumerate(sections):
        BriefingSection.objects.create(
            story=story,
            position=position,
            label=label(label_name) if label_name else None,
            body=body,
        )
    for position, (title, target) in enumerate(links):
        if isinstance(target, Story):
            RelatedLink.objects.create(story=story, position=position, title=title, target=target)
        else:
            RelatedLink.objects.create(
                story=story, position=position, title=title, url=target or ""
            )
    if tags:
        story.tags.set(tags)
    workflow.save_revision(story, by, "Created")
    if publish:
        workflow.transition(story, "publish", by)
    return story
