"""The editor's desk on the admin home page: ``{% load desk %}{% desk_for request.user %}``.

Short lists of the stories that need someone now, each one query with a limit, and for
editors the coming week (scheduled stories by day, approved ones in a lane beside), in
two queries: the page costs the same with ten stories or ten thousand.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django import template
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from articles import workflow
from articles.models import Comment, Notice, Status, Story

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
    "language",
    "translation_outdated",
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
    #: Each story also links to its staff preview, where a reviewer decides.
    review_link: bool = False


def _changelist(**filters) -> str:
    return f"{reverse('admin:articles_story_changelist')}?{urlencode(filters)}"


def desk_lists(user, limit: int = DESK_LIMIT) -> list[DeskList]:
    """The desk of ``user``: their own work first, then the editors' queues."""
    stories = (
        Story.objects.out_of_trash()
        .only(*_DESK_FIELDS)
        .annotate(open_comments=Comment.objects.open_count())
    )
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
                review_link=True,
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
    outdated = stories.filter(translation_outdated=True).filter(
        pk__in=workflow.visible_stories(user).values("pk")
    )
    to_update = list(outdated.order_by("-updated_at")[:limit])
    if to_update:
        # Only when there is something to do: most desks never translate.
        lists.append(
            DeskList(
                "translations",
                "Translations to update",
                to_update,
                "Every translation is up to date with its original.",
            )
        )
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


# --- the coming week ---------------------------------------------------------------------

#: Days the planning view shows, today first.
PLANNING_DAYS = 7
#: The most stories it lists in the week, and approved but unscheduled: a bound on the
#: page, far above a newsroom's week.
PLANNING_LIMIT = 100


@dataclass
class PlanningDay:
    day: date
    stories: list = field(default_factory=list)


@dataclass
class Planning:
    """The coming week on the desk: scheduled stories by day and publish time, and the
    approved ones no time has been chosen for yet."""

    days: list[PlanningDay]
    unscheduled: list
    more_scheduled: bool = False
    more_unscheduled: bool = False
    unscheduled_url: str = ""


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def planning(user, at: datetime | None = None) -> Planning | None:
    """The coming week for those who schedule (editors); None for anyone else. Two
    queries, whatever the number of stories."""
    if not user.has_perm("articles.review_story"):
        return None
    now = timezone.localtime(at)
    days = [PlanningDay(now.date() + timedelta(days=n)) for n in range(PLANNING_DAYS)]
    end = _midnight(days[-1].day + timedelta(days=1))
    stories = Story.objects.out_of_trash().only(*_DESK_FIELDS)
    # A schedule that fell due but has not run yet (the worker is late) is listed today.
    scheduled = list(
        stories.filter(status=Status.SCHEDULED, scheduled_at__lt=end).order_by(
            "scheduled_at", "pk"
        )[: PLANNING_LIMIT + 1]
    )
    unscheduled = list(
        stories.filter(status=Status.APPROVED).order_by("updated_at", "pk")[: PLANNING_LIMIT + 1]
    )
    by_day = {day.day: day for day in days}
    for story in scheduled[:PLANNING_LIMIT]:
        local = timezone.localtime(story.scheduled_at).date()
        by_day.get(local, days[0]).stories.append(story)
        story.overdue = story.scheduled_at <= now
    return Planning(
        days=days,
        unscheduled=unscheduled[:PLANNING_LIMIT],
        more_scheduled=len(scheduled) > PLANNING_LIMIT,
        more_unscheduled=len(unscheduled) > PLANNING_LIMIT,
        unscheduled_url=_changelist(status__exact=Status.APPROVED),
    )


@register.inclusion_tag("admin/articles/desk.html")
def desk_for(user):
    if not user.has_perm("articles.view_story"):
        return {"desk": []}
    return {
        "desk": desk_lists(user),
        "planning": planning(user),
        # Two ways to start a story, on the desk itself.
        "can_add": user.has_perm("articles.add_story"),
    }


#: Unread notices shown on the desk; the rest wait until these are read.
INBOX_LIMIT = 8


@register.inclusion_tag("admin/articles/inbox.html", takes_context=True)
def inbox_for(context, user):
    """Unread notices of ``user``, newest first: what changed on their stories."""
    unread = Notice.objects.filter(recipient=user).unread().select_related("story")
    return {
        "notices": list(unread.only("text", "created_at", "story__headline")[:INBOX_LIMIT]),
        "csrf_token": context.get("csrf_token"),
    }
