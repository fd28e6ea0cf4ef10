"""The review conversation's pages: the panel of a story's comments, and the POSTs that
add, reply, resolve, reopen and delete.

Mounted beside the story's admin pages at ``admin/articles/story/<story_id>/comments/``
(``articles.comment_urls``), each view wrapped in ``admin.site.admin_view`` for
sign-in, staff status, CSRF and no-cache. A story whose comments someone may not see
(anyone but its writers and the editors: ``workflow.comments``) is a 404, as the
story itself is. The rules are the workflow's: the views fetch, call it, and say what
happened (who was told, too); a refusal that the person can fix comes back as the
page with their text still in its form.

The panel (``templates/comments/panel.html``) is an include: :func:`panel` builds
what it shows, so the story's admin page and the staff preview can show it too.
Every action returns to ``next``, the page it was sent from, when that is a local path.
"""

from dataclasses import dataclass, field

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from articles.hardening import client_address
from articles.models import Comment, Story
from articles.models.comment import COMMENT_MAX_CHARS, StoryParts, describe
from articles.text import plain_text
from articles.workflow import comments as conversation

# --- forms -----------------------------------------------------------------------------


class CommentForm(forms.Form):
    anchor = forms.ChoiceField(label="About")
    body = forms.CharField(
        label="Comment",
        max_length=COMMENT_MAX_CHARS,
        validators=[plain_text],
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, parts: StoryParts, **kwargs):
        kwargs.setdefault("auto_id", "comment-%s")
        super().__init__(*args, **kwargs)
        self.fields["anchor"].choices = parts.choices()


# --- the panel ---------------------------------------------------------------------------


@dataclass
class Entry:
    comment: Comment
    can_delete: bool


@dataclass
class Thread:
    root: Comment
    entries: list
    outdated: bool
    gone: bool
    can_reply: bool
    can_resolve: bool
    #: A writer resolves by saying what was done: the button says so.
    resolve_needs_reply: bool
    can_reopen: bool
    #: What the person typed, when a refusal brings the page back.
    draft: str = ""


@dataclass
class Group:
    """The threads on one part of the story."""

    label: str
    threads: list = field(default_factory=list)


@dataclass
class Panel:
    story: Story
    groups: list
    form: CommentForm
    next: str
    open_count: int
    resolved_count: int
    show_messages: bool = False
    error: str = ""


def panel(
    request,
    story: Story,
    *,
    form: CommentForm | None = None,
    draft: tuple[int, str] = (0, ""),
    error: str = "",
    show_messages: bool = False,
) -> Panel | None:
    """What ``templates/comments/panel.html`` shows ``request.user`` of ``story``, or None
    when they may not see its comments.

    Four queries whatever the number of comments: a journalist's authorship, the
    comments, the story's sections and its links. ``show_messages`` for pages
    that do not show Django's messages themselves (the staff preview).
    """
    user = request.user
    role = conversation.role_of(user, story)
    if not role:
        return None
    parts = StoryParts(story)
    comments = list(conversation.visible_comments(story, user, role=role))
    replies: dict[int, list[Comment]] = {}
    for comment in comments:
        if comment.parent_id:
            replies.setdefault(comment.parent_id, []).append(comment)
    groups: dict[tuple, Group] = {}
    # A refused reply whose thread takes none (resolved meanwhile) waits in the form
    # for a new comment on the same part, so the text is not lost.
    leftover = {"body": draft[1], "anchor": ""} if draft[1] else None
    for root in (c for c in comments if c.parent_id is None):
        anchor = root.anchor_in(parts)
        resolved = root.is_resolved
        thread_replies = replies.get(root.pk, [])
        entries = [
            Entry(
                comment,
                conversation.may_delete(
                    user,
                    comment,
                    has_replies=comment is root and bool(thread_replies),
                    thread_resolved=resolved,
                ),
            )
            for comment in [root, *thread_replies]
        ]
        thread = Thread(
            root=root,
            entries=entries,
            outdated=anchor is None or anchor.text != root.anchored_text,
            gone=anchor is None,
            can_reply=not resolved,
            can_resolve=not resolved,
            resolve_needs_reply=role == conversation.WRITER,
            can_reopen=resolved and role == conversation.EDITOR,
        )
        if leftover and draft[0] == root.pk:
            if thread.can_reply:
                thread.draft, leftover = draft[1], None
            elif anchor is not None:
                leftover["anchor"] = anchor.value
        if anchor is None:
            key = (parts.position(None), root.anchor_kind, root.anchor_name)
            label = f"{describe(root.anchor_kind, root.anchor_name)} (no longer in the story)"
        else:
            key = (parts.position(anchor), anchor.kind, anchor.key)
            label = anchor.label
        groups.setdefault(key, Group(label)).threads.append(thread)
    roots = [c for c in comments if c.parent_id is None]
    open_count = sum(1 for root in roots if not root.is_resolved)
    return Panel(
        story=story,
        groups=[groups[key] for key in sorted(groups)],
        form=form
        or CommentForm(parts=parts, initial=leftover or {"anchor": request.GET.get("comment_on")}),
        next=request.get_full_path(),
        open_count=open_count,
        resolved_count=len(roots) - open_count,
        show_messages=show_messages,
        error=error,
    )


# --- the views ---------------------------------------------------------------------------------


def _story(request, story_id: int) -> Story:
    """The story, if ``request.user`` may see its comments; else 404, never 403."""
    story = get_object_or_404(Story, pk=story_id)
    if not conversation.role_of(request.user, story):
        raise Http404("No such story.")
    return story


def _comment(story: Story, comment_id: int) -> Comment:
    return get_object_or_404(Comment.objects.select_related("story"), pk=comment_id, story=story)


def _page(request, story: Story, *, status: int = 200, next_url: str = "", **options):
    shown = panel(request, story, **options)
    if next_url:
        shown.next = next_url
    return render(
        request,
        "comments/page.html",
        {
            **admin.site.each_context(request),
            "opts": Story._meta,
            "story": story,
            "title": "Review comments",
            "panel": shown,
        },
        status=status,
    )


def _next(request, story: Story) -> str:
    """Where the person came from: ``next`` if it is a path on this site, else the panel."""
    target = request.POST.get("next", "")
    if (
        target.startswith("/")
        and target.isprintable()
        and url_has_allowed_host_and_scheme(target, allowed_hosts=None)
    ):
        return target.partition("#")[0]
    return reverse("comments:list", args=[story.pk])


def _back(request, story: Story, comment: Comment | None = None):
    target = _next(request, story)
    return redirect(f"{target}#comment-{comment.pk}" if comment else f"{target}#comments")


def _refusal(error: ValidationError) -> str:
    return " ".join(error.messages)


def told_sentence(told) -> str:
    """Who was told of a comment, as the person who wrote it should read it."""
    if told is None or not told.people:
        return "Nobody was notified."
    names = [person.get_full_name() or person.get_username() for person in told.people]
    said = f"Told on their desk: {', '.join(names)}"
    if told.emailed == len(names):
        return said + " (and by email)."
    if told.emailed:
        return said + f" ({told.emailed} of them by email too)."
    return said + " (nobody by email: no address)."


@require_safe
def comment_list(request, story_id):
    return _page(request, _story(request, story_id))


@require_POST
def comment_add(request, story_id):
    story = _story(request, story_id)
    form = CommentForm(request.POST, parts=StoryParts(story))
    if form.is_valid():
        kind, _, key = form.cleaned_data["anchor"].partition(":")
        try:
            comment = conversation.add_comment(
                story,
                request.user,
                form.cleaned_data["body"],
                anchor_kind=kind,
                anchor_key=key,
                ip_address=client_address(request),
            )
        except ValidationError as error:
            for name, problems in getattr(error, "error_dict", {None: error.error_list}).items():
                form.add_error(name if name in form.fields else None, problems)
        else:
            messages.success(request, "Your comment is posted. " + told_sentence(comment.told))
            return _back(request, story, comment)
    return _page(request, story, status=400, form=form, next_url=_next(request, story))


@require_POST
def comment_reply(request, story_id, comment_id):
    story = _story(request, story_id)
    parent = _comment(story, comment_id)
    body = request.POST.get("body", "")
    try:
        reply = conversation.add_comment(
            story, request.user, body, parent=parent, ip_address=client_address(request)
        )
    except ValidationError as error:
        return _page(
            request,
            story,
            status=400,
            draft=(parent.parent_id or parent.pk, body),
            error="Your reply was not posted: " + _refusal(error),
            next_url=_next(request, story),
        )
    messages.success(request, "Your reply is posted. " + told_sentence(reply.told))
    return _back(request, story, reply)


@require_POST
def comment_resolve(request, story_id, comment_id):
    story = _story(request, story_id)
    comment = _comment(story, comment_id)
    body = request.POST.get("body", "")
    try:
        reply = conversation.resolve(
            comment, request.user, reply=body, ip_address=client_address(request)
        )
    except ValidationError as error:
        return _page(
            request,
            story,
            status=400,
            draft=(comment.parent_id or comment.pk, body),
            error="The thread was not resolved: " + _refusal(error),
            next_url=_next(request, story),
        )
    said = "Thread resolved."
    if reply is not None:
        said += " Your reply is posted. " + told_sentence(reply.told)
    messages.success(request, said)
    return _back(request, story, comment)


@require_POST
def comment_reopen(request, story_id, comment_id):
    story = _story(request, story_id)
    comment = _comment(story, comment_id)
    if conversation.reopen(comment, request.user, ip_address=client_address(request)):
        messages.success(request, "Thread reopened.")
    else:
        messages.info(request, "That thread is open already.")
    return _back(request, story, comment)


@require_POST
def comment_delete(request, story_id, comment_id):
    story = _story(request, story_id)
    comment = _comment(story, comment_id)
    try:
        conversation.delete_comment(comment, request.user, ip_address=client_address(request))
    except ValidationError as error:
        messages.error(request, "The comment was not deleted: " + _refusal(error))
        return _back(request, story, comment)
    messages.success(request, "Your comment is deleted.")
    return _back(request, story)
