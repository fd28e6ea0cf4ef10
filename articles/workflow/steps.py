"""The newsroom's transitions, each declared once with everything about it.

    draft ──submit──▶ in_review ──approve──▶ approved ──schedule──▶ scheduled
      ▲                  │                      │                      │
      │           request_changes ◀─────────────┴──────────────────────┘
      │                  ▼
      └───(edit)──── changes_requested          publish (editors, from any state) ──▶ published
                                                unpublish (any live story) ──▶ unpublished

``edit`` happens by saving: changed text sends a story in review, approved, scheduled
or published back to draft (a live story's page stays as it is until it is
published again), because an approval covers the text that was reviewed, never
later changes.
"""

from articles import search, snapshot
from articles.cache import invalidate_pages, of_change
from articles.models import Revision, Status, Story

from .machine import Transition, TransitionError, Workflow

_ALL = frozenset(Status.values)
#: States an approval or publication vouches for: changing the text leaves them.
VOUCHED = frozenset({Status.IN_REVIEW, Status.APPROVED, Status.SCHEDULED, Status.PUBLISHED})


def new_revision(story: Story, actor, message: str, content: snapshot.Snapshot) -> Revision:
    """Store ``content`` as the next revision of the locked ``story``, version and all."""
    latest = story.latest_revision()
    revision = Revision.objects.create(
        story=story,
        number=(latest.number if latest else 0) + 1,
        snapshot=content.to_json(),
        created_by=actor,
        message=message,
    )
    story.version += 1
    Story.objects.filter(pk=story.pk).update(version=story.version)
    return revision


# --- what each transition does besides changing the status ------------------------


def _submit(story, **_):
    story.workflow_note = ""


def _request_changes(story, *, message, **_):
    story.workflow_note = message
    story.approved_revision = None
    story.scheduled_at = None


def _approve(story, **_):
    story.approved_revision = story.latest_revision()
    story.workflow_note = ""


def _schedule(story, *, publish_at, expire_at, **_):
    story.scheduled_at = publish_at
    story.expire_at = expire_at


def _cancel_schedule(story, **_):
    story.scheduled_at = None
    story.expire_at = None


def _publish(story, *, at, actor, **_) -> Revision:
    if story.headline_is_provisional:
        raise TransitionError(
            "This story still has the importer's provisional headline. "
            "Write a real headline before publishing."
        )
    content = snapshot.build(story)
    before = snapshot.of(story.live_revision) if story.live_revision_id else None
    revision = story.latest_revision()
    if revision is None or snapshot.of(revision) != content:
        revision = new_revision(story, actor, "Published", content)
    story.live_revision = revision
    story.first_published_at = story.first_published_at or at
    story.last_published_at = at
    story.scheduled_at = None
    story.workflow_note = ""
    story.live_section_id = content.section.id if content.section else None
    if story.expire_at and story.expire_at <= at:
        story.expire_at = None
    # The rows carry the first publication time for the author and tag listings; it
    # never changes once set, so rows kept by set() stay right.
    listed = {"first_published_at": story.first_published_at}
    story.live_tags.set([tag.id for tag in content.tags], through_defaults=listed)
    story.live_authors.set(content.author_ids, through_defaults=listed)
    search.index_story(story, content)
    _supersede_preview_links(story, at)
    invalidate_pages(
        f"published story {story.pk}",
        of_change(story.pk, before, content, translations=story.translation_ids()),
    )
    return revision


def _supersede_preview_links(story, at) -> None:
    """Publishing or taking a story down ends its preview links: readers now see the
    story at its address, or nobody should see it at all."""
    story.preview_links.filter(superseded_at__isnull=True).update(superseded_at=at)


def _unpublish(story, *, at, **_):
    before = snapshot.of(story.live_revision) if story.live_revision_id else None
    story.live_revision = None
    story.scheduled_at = None
    story.expire_at = None
    story.approved_revision = None
    story.live_tags.clear()
    story.live_authors.clear()
    search.index_story(story, None)
    _supersede_preview_links(story, at)
    invalidate_pages(
        f"unpublished story {story.pk}",
        of_change(story.pk, before, None, translations=story.translation_ids()),
    )


def _back_to_draft(story, from_status: str) -> str:
    if from_status == Status.PUBLISHED:
        return ""  # the form says that it has unpublished changes, and readers see no change
    return (
        f"The story was {Status(from_status).label.lower()}; your changes made it a draft "
        "again. Submit it for review when it is ready."
    )


def _edit(story, **_):
    story.approved_revision = None
    story.scheduled_at = None
    if story.live_revision_id is None:
        story.expire_at = None


WORKFLOW = Workflow(
    [
        Transition(
            "submit",
            "Submit for review",
            frozenset({Status.DRAFT, Status.CHANGES_REQUESTED, Status.UNPUBLISHED}),
            Status.IN_REVIEW,
            "articles.change_story",
            "Submitted for review",
            done="Submitted for review.",
            effect=_submit,
            gate="submit",
            writers_only=True,
            primary=True,
            notify_subject="Ready for review: {headline}",
            notify="editors",
        ),
        Transition(
            "request_changes",
            "Request changes",
            frozenset({Status.IN_REVIEW, Status.APPROVED, Status.SCHEDULED}),
            Status.CHANGES_REQUESTED,
            "articles.review_story",
            "Requested changes",
            done="Sent back to the writers with your comment.",
            effect=_request_changes,
            needs_comment=True,
            notify_subject="Changes requested: {headline}",
            notify="writers",
        ),
        Transition(
            "approve",
            "Approve",
            frozenset({Status.IN_REVIEW}),
            Status.APPROVED,
            "articles.review_story",
            "Approved",
            done="Approved. It can now be scheduled or published.",
            effect=_approve,
            gate="approve",
            vouches_for_text=True,
            primary=True,
            notify_subject="Approved: {headline}",
            notify="writers",
        ),
        Transition(
            "schedule",
            "Schedule",
            frozenset({Status.APPROVED, Status.SCHEDULED}),
            Status.SCHEDULED,
            "articles.publish_story",
            "Scheduled",
            done="Scheduled: the story goes live at {when}.",
            effect=_schedule,
            gate="schedule",
            takes_schedule=True,
            vouches_for_text=True,
            notify_subject="Scheduled: {headline}",
            notify="writers",
        ),
        Transition(
            "cancel_schedule",
            "Cancel schedule",
            frozenset({Status.SCHEDULED}),
            Status.APPROVED,
            "articles.publish_story",
            "Cancelled schedule",
            done="Schedule cancelled. The story stays approved.",
            effect=_cancel_schedule,
        ),
        Transition(
            "publish",
            "Publish now",
            _ALL - {Status.PUBLISHED},
            Status.PUBLISHED,
            "articles.publish_story",
            "Published",
            done="Published: readers see this version now. <a href='{url}'>See it on the site</a>.",
            effect=_publish,
            gate="publish",
            vouches_for_text=True,
            primary=True,
            notify_subject="Published: {headline}",
            notify="writers",
        ),
        Transition(
            "unpublish",
            "Unpublish",
            _ALL,
            Status.UNPUBLISHED,
            "articles.publish_story",
            "Unpublished",
            done="Taken off the site. Its address now shows “not found”.",
            effect=_unpublish,
            needs_live_copy=True,
            confirm="Take this story off the site now? Readers will get “not found” at its address.",
            notify_subject="Unpublished: {headline}",
            notify="writers",
        ),
        Transition(
            "edit",
            "Edit",
            VOUCHED,
            Status.DRAFT,
            "articles.change_story",
            "Edited: back to draft",
            done=_back_to_draft,
            effect=_edit,
            writers_only=True,
            by_button=False,
        ),
    ]
)
