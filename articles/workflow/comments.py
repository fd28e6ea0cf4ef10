"""The review conversation: comments on a story's parts, threaded, resolvable, audited.

Who may do what (the one place these rules are written):

- **See, comment and reply**: the story's writers (``Story.is_written_by``) and editors
  (``articles.review_story``): whoever may see the story (``rules.can_view``). Anyone
  else sees none of its comments; to them the story, and so its conversation, does
  not exist (the views answer 404).
- **Resolve a thread**: an editor, with or without a reply; or a writer of the story,
  only with a reply saying what was done (the editor asked for a change, the writer
  made it and says so, the editor can read the answer and reopen the thread).
- **Reopen a thread**: editors.
- **Delete a comment**: its own author, only while nobody has replied to it and its
  thread is not resolved. So an editor's comment is deleted by that editor or not at
  all, and a resolved thread stays as it was closed.

Every act is one transaction with one audit row. A new comment (a reply given when
resolving too) puts a notice in the inbox of the people concerned
(:func:`people_to_tell`), through ``articles.notifications.notify_people`` when the
project has it; the comment returned carries ``told``, who was told, so the screen
says exactly that. Refusals raise ``PermissionDenied`` (the person lacks the right,
whatever they send) or ``ValidationError`` (not now, or not like this) and change
nothing.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import Truncator

from articles import notifications
from articles.models import AuditEntry, Comment, Story
from articles.models.audit import declare_action
from articles.models.comment import AnchorKind, StoryParts

from .rules import can_view

COMMENT = declare_action("comment", "Commented")
RESOLVE = declare_action("comment_resolved", "Resolved a comment")
REOPEN = declare_action("comment_reopened", "Reopened a comment")
DELETE = declare_action("comment_deleted", "Deleted a comment")

#: The kind of notice a comment leaves in someone's inbox.
NOTICE_KIND = "comment"

EDITOR, WRITER = "editor", "writer"


# --- who may ---------------------------------------------------------------------------


def role_of(user, story: Story) -> str:
    """``EDITOR``, ``WRITER`` of ``story``, or "" for someone who may not see it.

    At most one query (a journalist's authorship); ask once per page, not per comment.
    """
    if user is None or not can_view(user, story):
        return ""
    return EDITOR if user.has_perm("articles.review_story") else WRITER


def may_resolve(role: str, *, reply: str = "") -> bool:
    return role == EDITOR or (role == WRITER and bool(reply.strip()))


def may_delete(user, comment: Comment, *, has_replies: bool, thread_resolved: bool) -> bool:
    """Its own author, while nobody replied to it and its thread is open."""
    return (
        user is not None
        and comment.author_id == user.pk
        and not has_replies
        and not thread_resolved
    )


def _name(user) -> str:
    return (user.get_full_name() or user.get_username())[:150]


def _require_role(actor, story: Story) -> str:
    role = role_of(actor, story)
    if not role:
        raise PermissionDenied("You may not see this story's comments.")
    return role


# --- reading ----------------------------------------------------------------------------


def visible_comments(story: Story, user, *, role: str | None = None):
    """The comments of ``story`` that ``user`` may read, oldest first: all of them for its
    writers and editors, none for anyone else. ``role``: :func:`role_of`, when the
    caller has asked already."""
    if not (role_of(user, story) if role is None else role):
        return Comment.objects.none()
    return Comment.objects.filter(story=story)


# --- who hears of it ----------------------------------------------------------------------


def _thread(comment: Comment):
    root_id = comment.parent_id or comment.pk
    return Comment.objects.filter(Q(pk=root_id) | Q(parent_id=root_id))


def people_to_tell(story: Story, comment: Comment) -> list:
    """Who hears of ``comment``, its author aside, active accounts only, in a stable order.

    An editor's comment goes to the story's writers, and to any other editor who
    commented in the thread. A writer's comment goes to the editors who commented in
    the thread, or, when none has yet, to the Editors group: someone has to read it.
    """
    author_id = comment.author_id
    participants = (
        get_user_model()
        .objects.filter(
            pk__in=_thread(comment).exclude(author=None).values("author"), is_active=True
        )
        .exclude(pk=author_id)
    )
    thread_editors = [user for user in participants if user.has_perm("articles.review_story")]
    author = comment.author
    if author is not None and author.has_perm("articles.review_story"):
        people = list(story.writers().filter(is_active=True).exclude(pk=author_id))
        people += thread_editors
    else:
        people = thread_editors or list(notifications.editors().exclude(pk=author_id))
    unique = {person.pk: person for person in people}
    return sorted(unique.values(), key=lambda person: person.pk)


def _tell(story: Story, comment: Comment, actor):
    """Leave a notice for the people concerned, in the comment's transaction; return
    who was told (None when the project has no inbox to put notices in)."""
    deliver = getattr(notifications, "notify_people", None)
    if deliver is None:
        return None
    who = _name(actor)
    what = "replied" if comment.parent_id else "commented"
    text = (
        f"A comment on “{story.headline}”\n\n{who} {what} on {comment.anchor_label}: "
        f"{Truncator(comment.body).chars(300)}"
    )
    return deliver(people_to_tell(story, comment), story, NOTICE_KIND, text, actor=actor)


# --- acting ---------------------------------------------------------------------------------


def _new(story: Story, actor, body: str, *, parent: Comment | None = None, **anchor) -> Comment:
    comment = Comment(
        story=story,
        parent=parent,
        author=actor,
        author_name=_name(actor),
        body=(body or "").strip(),
        **anchor,
    )
    if not comment.body:
        raise ValidationError({"body": "Write your comment first."})
    comment.full_clean()
    comment.save()
    return comment


def add_comment(
    story: Story,
    actor,
    body: str,
    *,
    anchor_kind: str = AnchorKind.STORY,
    anchor_key: str = "",
    parent: Comment | None = None,
    ip_address: str | None = None,
) -> Comment:
    """Start a thread on a part of ``story`` (``anchor_kind``/``anchor_key``, a part it
    has now), or reply to ``parent``'s thread (a reply to a reply joins the thread).

    The comment keeps the part's name and text as they are now, to find the part again
    and to tell when it has changed. One audit row; a notice to :func:`people_to_tell`.
    The comment returned carries ``told``.
    """
    _require_role(actor, story)
    with transaction.atomic():
        if parent is not None:
            # Locking the thread's first comment orders this reply against a deletion
            # or a resolution arriving at the same moment.
            root = (
                Comment.objects.select_for_update()
                .filter(pk=parent.parent_id or parent.pk, story=story)
                .first()
            )
            if root is None:
                raise ValidationError("That comment was deleted meanwhile: start a new one.")
            if root.is_resolved:
                raise ValidationError(
                    "This thread is resolved. Ask an editor to reopen it, or start a new comment."
                )
            anchor = {
                "anchor_kind": root.anchor_kind,
                "anchor_key": root.anchor_key,
                "anchor_name": root.anchor_name,
                "anchored_text": root.anchored_text,
            }
        else:
            root = None
            part = StoryParts(story).find(anchor_kind, anchor_key)
            if part is None:
                raise ValidationError(
                    "That part of the story is no longer there: reload and choose again."
                )
            anchor = {
                "anchor_kind": part.kind,
                "anchor_key": part.key,
                "anchor_name": part.name,
                "anchored_text": part.text,
            }
        comment = _new(story, actor, body, parent=root, **anchor)
        AuditEntry.record(
            COMMENT,
            actor=actor,
            story=story,
            message=f"{'Replied' if root else 'Commented'} on {comment.anchor_label}: "
            f"{Truncator(comment.body).chars(300)}",
            ip_address=ip_address,
            at=comment.created_at,
        )
        comment.told = _tell(story, comment, actor)
    return comment


def resolve(comment: Comment, actor, *, reply: str = "", ip_address: str | None = None):
    """Resolve ``comment``'s thread, with ``reply`` posted in it first if given.

    Editors may; a writer of the story only with a reply that says what was done.
    Two clicks make one resolution: the second is refused as already resolved. One
    audit row (it quotes the reply). Returns the reply (carrying ``told``), or None.
    """
    story = comment.story
    role = _require_role(actor, story)
    reply = (reply or "").strip()
    if not may_resolve(role, reply=reply):
        raise ValidationError(
            {"reply": "Say what you did about it: a writer resolves a thread with a reply."}
        )
    at = timezone.now()
    with transaction.atomic():
        root = (
            Comment.objects.select_for_update()
            .filter(pk=comment.parent_id or comment.pk, story=story)
            .first()
        )
        if root is None:
            raise ValidationError("That comment was deleted meanwhile.")
        if root.is_resolved:
            raise ValidationError(
                f"{root.resolved_by_name or 'Someone'} resolved this thread meanwhile."
            )
        posted = None
        if reply:
            posted = _new(
                story,
                actor,
                reply,
                parent=root,
                anchor_kind=root.anchor_kind,
                anchor_key=root.anchor_key,
                anchor_name=root.anchor_name,
                anchored_text=root.anchored_text,
            )
        Comment.objects.filter(pk=root.pk).update(
            resolved_at=at, resolved_by=actor, resolved_by_name=_name(actor)
        )
        AuditEntry.record(
            RESOLVE,
            actor=actor,
            story=story,
            message=f"Resolved the thread by {root.author_name} on {root.anchor_label}"
            + (f", replying: {Truncator(reply).chars(300)}" if reply else "."),
            ip_address=ip_address,
            at=at,
        )
        if posted is not None:
            posted.told = _tell(story, posted, actor)
    comment.refresh_from_db()
    return posted


def reopen(comment: Comment, actor, *, ip_address: str | None = None) -> bool:
    """Open a resolved thread again (editors). False, and no audit row, if it was open."""
    story = comment.story
    if _require_role(actor, story) != EDITOR:
        raise PermissionDenied("Only an editor may reopen a thread.")
    root_id = comment.parent_id or comment.pk
    with transaction.atomic():
        reopened = Comment.objects.filter(
            pk=root_id, story=story, resolved_at__isnull=False
        ).update(resolved_at=None, resolved_by=None, resolved_by_name="")
        if reopened:
            root = Comment.objects.get(pk=root_id)
            AuditEntry.record(
                REOPEN,
                actor=actor,
                story=story,
                message=f"Reopened the thread by {root.author_name} on {root.anchor_label}.",
                ip_address=ip_address,
            )
    comment.refresh_from_db()
    return bool(reopened)


def delete_comment(comment: Comment, actor, *, ip_address: str | None = None) -> None:
    """Delete ``comment``: its own author only, while it has no replies and its thread
    is open. The audit row keeps what it said."""
    story = comment.story
    _require_role(actor, story)
    if comment.author_id is None or comment.author_id != actor.pk:
        raise PermissionDenied("Only its author may delete a comment.")
    with transaction.atomic():
        # The thread's first comment is locked by replies and resolutions too, so none
        # can slip in between the check and the deletion.
        root = (
            Comment.objects.select_for_update()
            .filter(pk=comment.parent_id or comment.pk, story=story)
            .first()
        )
        if root is None or not Comment.objects.filter(pk=comment.pk).exists():
            raise ValidationError("That comment was already deleted.")
        if root.is_resolved:
            raise ValidationError("This thread is resolved: it stays as it was closed.")
        if comment.parent_id is None and root.replies.exists():
            raise ValidationError(
                "Someone has replied to this comment, so it stays: reply to correct it."
            )
        Comment.objects.filter(pk=comment.pk).delete()
        AuditEntry.record(
            DELETE,
            actor=actor,
            story=story,
            message=f"Deleted a {'reply' if comment.parent_id else 'comment'} on "
            f"{comment.anchor_label}: {comment.body}",
            ip_address=ip_address,
        )
