"""The editor's desk on the admin home page: ``{% load desk %}{% desk_for request.user %}``.

Short lists of the stories that need someone now, each one query with a limit, so the
page costs the same with ten stories or ten thousand.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from django import template
from django.db.models import F
from django.urls import reverse

from articles import workflow
from articles.models import Status, Story

register = template.Library()

#: How many stories each list shows; the "see all" link leads to the rest.
DESK_LIMIT = 8

_DESK_FIELDS = [
    "pk",
    "headline",
    "status",
    "updated_at",
    "scheduled_at",
    "last_published_at",
    "workflow_note",
]


@dataclass
class DeskList:
    key: str
    title: str
    stories: list
    empty: str
    more_url: str = ""
    show_note: bool = False
    time_field: str = "updated_at"
    time_label: str = "Last saved"


def _changelist(**filters) -> str:
    return f"{reverse('admin:articles_story_changelist')}?{urlencode(filters)}"


def desk_lists(user, limit: int = DESK_LIMIT) -> list[DeskList]:
    """The desk of ``user``: their own work first, then the editors' queues."""
    stories = Story.objects.only(*_DESK_FIELDS)
    mine = stories.written_by(user)
    lists = [
        DeskList(
            "drafts",
            "My drafts",
            list(mine.filter(status=Status.DRAFT).order_by("-updated_at")[:limit]),
            "No drafts.",
        ),
        DeskList(
            "changes",
            "Changes requested of me",
            list(mine.filter(status=Status.CHANGES_REQUESTED).order_by("-updated_at")[:limit]),
            "Nothing sent back to you.",
            more_url=_changelist(status__exact=Status.CHANGES_REQUESTED),
            show_note=True,
        ),
    ]
    if user.has_perm("articles.review_story"):
        lists += [
            DeskList(
                "review",
                "Awaiting review",
                # Oldest first: whoever has waited longest is read first.
                list(stories.filter(status=Status.IN_REVIEW).order_by("updated_at")[:limit]),
                "Nothing waits for review.",
                more_url=_changelist(status__exact=Status.IN_REVIEW),
                time_label="Submitted",
            ),
            DeskList(
                "approved",
                "Approved and scheduled",
                list(
                    stories.filter(status__in=[Status.APPROVED, Status.SCHEDULED]).order_by(
                        F("scheduled_at").asc(nulls_last=True), "updated_at"
                    )[:limit]
                ),
                "Nothing approved or scheduled.",
                time_field="scheduled_at",
                time_label="Goes live",
            ),
        ]
    recent = (
        stories.published()
        .filter(pk__in=workflow.visible_stories(user).values("pk"))
        .order_by("-last_published_at", "-pk")
    )
    lists.append(
        DeskList(
            "published",
            "Recently published",
            list(recent[:limit]),
            "Nothing published yet.",
            time_field="last_published_at",
            time_label="Last published",
        )
    )
    return lists


@register.inclusion_tag("admin/articles/desk.html")
def desk_for(user):
    return {"desk": desk_lists(user) if user.has_perm("articles.view_story") else []}
