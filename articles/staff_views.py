"""Pages beside a story's admin form: its history, compare, restore and preview links;
and the public page a preview link opens.

Every staff view is wrapped in ``admin.site.admin_view`` (see ``articles.staff_urls``)
for sign-in, staff status, CSRF and no-cache. On top of that, a story the user may
not see is a 404, never a 403: whether another journalist's draft exists is itself
unpublished information.
"""

from datetime import datetime, timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from articles import editions, site, snapshot, workflow
from articles.diff import diff_snapshots
from articles.hardening import client_address
from articles.live import live_page
from articles.models import (
    AuditEntry,
    EditingPresence,
    Notice,
    PreviewLink,
    RefusedSave,
    Revision,
    Status,
    Story,
)

MAX_PREVIEW_DAYS = 30
DEFAULT_PREVIEW_DAYS = 7


def _story(request, story_id: int, *, edit: bool = False) -> Story:
    """The story, if ``request.user`` may see it (and edit it, with ``edit``); else 404."""
    story = get_object_or_404(Story, pk=story_id)
    user = request.user
    if not workflow.can_view(user, story) or (edit and not workflow.can_edit(user, story)):
        raise Http404("No such story.")
    return story


def _render(request, template: str, story: Story, title: str, status: int = 200, **context):
    return render(
        request,
        template,
        {
            **admin.site.each_context(request),
            "opts": Story._meta,
            "story": story,
            "title": title,
            "can_edit": workflow.can_edit(request.user, story),
            **context,
        },
        status=status,
    )


# --- history -------------------------------------------------------------------------


def _history(request, story: Story, *, error: str = "", status: int = 200):
    revisions = list(story.revisions.defer("snapshot").select_related("created_by"))
    statuses = dict(Status.choices)
    audit = [
        {
            "entry": entry,
            "from_status": statuses.get(entry.from_status, entry.from_status),
            "to_status": statuses.get(entry.to_status, entry.to_status),
        }
        for entry in AuditEntry.objects.filter(story=story)
    ]
    by_pk = {revision.pk: revision for revision in revisions}
    return _render(
        request,
        "history/list.html",
        story,
        "History",
        status=status,
        revisions=revisions,
        latest=revisions[0] if revisions else None,
        live=by_pk.get(story.live_revision_id),
        approved=by_pk.get(story.approved_revision_id),
        refused=story.refused_saves.select_related("created_by").defer("snapshot"),
        default_old=revisions[1].number if len(revisions) > 1 else None,
        default_new=revisions[0].number if revisions else None,
        audit=audit,
        error=error,
    )


@require_safe
def revision_list(request, story_id):
    return _history(request, _story(request, story_id))


def _revision_number(value: str | None) -> int | None:
    try:
        number = int(value or "")
    except ValueError:
        return None
    return number if 0 < number < 2**31 else None


@require_safe
def compare(request, story_id):
    story = _story(request, story_id)
    a, b = _revision_number(request.GET.get("a")), _revision_number(request.GET.get("b"))
    if a is None or b is None:
        return _history(request, story, error="Choose two revisions to compare.", status=400)
    old_number, new_number = sorted((a, b))
    found = {
        revision.number: revision
        for revision in story.revisions.select_related("created_by").filter(
            number__in=[old_number, new_number]
        )
    }
    if old_number not in found or new_number not in found:
        raise Http404("No such revision.")
    old, new = found[old_number], found[new_number]
    latest = story.revisions.values_list("number", flat=True).first()
    return _render(
        request,
        "history/compare.html",
        story,
        f"Revision {old.number} → revision {new.number}",
        old=old,
        new=new,
        changes=diff_snapshots(snapshot.of(old), snapshot.of(new)),
        latest_number=latest,
    )


@require_POST
def restore(request, story_id, number):
    story = _story(request, story_id, edit=True)
    revision = get_object_or_404(Revision, story=story, number=number)
    status_before = story.get_status_display()
    try:
        new = workflow.restore(story, revision, request.user, ip_address=client_address(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("history:list", story.pk)
    message = f"Revision {number} restored as revision {new.number}, the new working copy."
    if story.get_status_display() != status_before:
        message += f" The story was {status_before.lower()}; it is a draft again and needs review."
    messages.success(request, message)
    return redirect("admin:articles_story_change", story.pk)


@require_safe
def refused(request, story_id, refused_id):
    """A refused save beside the story's latest revision, with a button to use it."""
    story = _story(request, story_id)
    kept = get_object_or_404(
        RefusedSave.objects.select_related("created_by"), pk=refused_id, story=story
    )
    latest = story.latest_revision()
    refused_text = snapshot.Snapshot.from_json(kept.snapshot)
    return _render(
        request,
        "history/refused.html",
        story,
        "A refused save",
        kept=kept,
        latest=latest,
        changes=diff_snapshots(snapshot.of(latest), refused_text),
    )


@require_POST
def use_refused(request, story_id, refused_id):
    story = _story(request, story_id, edit=True)
    kept = get_object_or_404(RefusedSave, pk=refused_id, story=story)
    status_before = story.get_status_display()
    new = workflow.use_refused_save(kept, request.user, ip_address=client_address(request))
    message = f"The refused text is now the working copy, saved as revision {new.number}."
    if story.get_status_display() != status_before:
        message += f" The story was {status_before.lower()}; it is a draft again and needs review."
    messages.success(request, message)
    return redirect("admin:articles_story_change", story.pk)


# --- preview links -----------------------------------------------------------------------


class PreviewLinkForm(forms.Form):
    revision = forms.TypedChoiceField(
        coerce=int, help_text="The version the link shows. Later edits do not change it."
    )
    note = forms.CharField(
        required=False,
        max_length=PreviewLink._meta.get_field("note").max_length,
        help_text=PreviewLink._meta.get_field("note").help_text,
    )
    days = forms.IntegerField(
        label="Valid for (days)",
        min_value=1,
        max_value=MAX_PREVIEW_DAYS,
        initial=DEFAULT_PREVIEW_DAYS,
        help_text=f"At most {MAX_PREVIEW_DAYS} days. You can revoke it at any time.",
    )

    def __init__(self, *args, story: Story, **kwargs):
        super().__init__(*args, **kwargs)
        revisions = story.revisions.values_list("number", "message")
        self.fields["revision"].choices = [
            (number, f"Revision {number}" + (f": {message}" if message else ""))
            for number, message in revisions
        ]
        self.fields["revision"].initial = revisions[0][0] if revisions else None


def _links_page(request, story: Story, form: PreviewLinkForm):
    links = story.preview_links.select_related("revision", "created_by").defer("revision__snapshot")
    return _render(
        request,
        "history/preview_links.html",
        story,
        "Preview links",
        links=links,
        form=form,
    )


@require_safe
def preview_links(request, story_id):
    story = _story(request, story_id, edit=True)
    return _links_page(request, story, PreviewLinkForm(story=story))


@require_POST
def preview_link_create(request, story_id):
    story = _story(request, story_id, edit=True)
    form = PreviewLinkForm(request.POST, story=story)
    if not form.is_valid():
        return _links_page(request, story, form)
    revision = story.revisions.get(number=form.cleaned_data["revision"])
    link, token = workflow.create_preview_link(
        revision,
        request.user,
        note=form.cleaned_data["note"].strip(),
        lifetime=timedelta(days=form.cleaned_data["days"]),
        ip_address=client_address(request),
    )
    # Shown on this response only: the database keeps the token's hash, not the token.
    return _render(
        request,
        "history/preview_link_created.html",
        story,
        "Preview link created",
        link=link,
        url=site.absolute(PreviewLink.url_for(token)),
    )


@require_POST
def preview_link_revoke(request, story_id, link_id):
    story = _story(request, story_id, edit=True)
    link = get_object_or_404(
        PreviewLink.objects.select_related("revision", "story"), pk=link_id, story=story
    )
    revoked = workflow.revoke_preview_link(link, request.user, ip_address=client_address(request))
    if revoked:
        messages.success(request, "The preview link was revoked: it no longer opens.")
    else:
        messages.info(request, "That preview link was already revoked.")
    return redirect("history:preview-links", story.pk)


# --- the public page of a preview link ------------------------------------------------------


@require_safe
def preview_story(request, token):
    """One revision as readers would see it, for whoever holds the link; no sign-in.

    A wrong, expired or revoked token is the site's ordinary 404. A link whose story
    has since been published or taken down shows nothing of the story: 410, and the
    story's address if readers can see it now.
    """
    link = PreviewLink.objects.find(token)
    if link is None or link.state in (PreviewLink.State.EXPIRED, PreviewLink.State.REVOKED):
        raise Http404("No such preview.")
    if link.opens:
        context = {"page": live_page(link.story, snapshot.of(link.revision)), "link": link}
        response = render(request, "preview/story.html", context)
    else:
        live = link.story if link.story.is_live else None
        response = render(
            request,
            "preview/ended.html",
            {"live": live},
            status=410,
        )
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    # The address is the secret: never send it to the sites the story links to.
    response["Referrer-Policy"] = "no-referrer"
    return response


# --- the inbox on the desk ---------------------------------------------------------------


@require_POST
def notices_read(request):
    """Mark every notice of the person as read."""
    Notice.objects.filter(recipient=request.user).unread().update(read_at=timezone.now())
    return redirect("admin:index")


# --- who has the story's form open ------------------------------------------------------


def _instant(value: str | None) -> datetime | None:
    """An aware ISO 8601 time a page sent back, or None for anything else."""
    try:
        instant = datetime.fromisoformat(value or "")
    except ValueError:
        return None
    return instant if timezone.is_aware(instant) else None


@require_POST
def presence(request, story_id):
    """The heartbeat of an open story form (static/js/admin/presence.js), or its goodbye
    (``state=gone``, sent as the tab closes, with ``seen``: the page's last heartbeat).
    A heartbeat answers who else has the form open, for the form's "being edited by"
    notice, and when this one was seen."""
    story = _story(request, story_id)
    if request.POST.get("state") == "gone":
        EditingPresence.leave(story, request.user, seen=_instant(request.POST.get("seen")))
        return HttpResponse(status=204)
    here = EditingPresence.touch(story, request.user)
    others = EditingPresence.objects.others_editing(story, request.user)
    return JsonResponse(
        {
            "seen": here.last_seen.isoformat(),
            "others": [
                {
                    "name": other.user.get_full_name() or other.user.get_username(),
                    "since": f"{timezone.localtime(other.since):%H:%M}",
                    "datetime": f"{timezone.localtime(other.since):%Y-%m-%dT%H:%M:%S%z}",
                }
                for other in others
            ],
        }
    )


# --- translations ------------------------------------------------------------------------------


@require_POST
def translate(request, story_id):
    """Start a translation of the story into the language asked for: a new linked draft,
    opened at once in the story form."""
    story = _story(request, story_id)
    if not request.user.has_perm("articles.add_story"):
        raise PermissionDenied
    language = request.POST.get("language", "")
    if not editions.is_configured(language):
        messages.error(request, "Choose one of the site's languages to translate into.")
        return redirect("admin:articles_story_change", story.pk)
    try:
        draft = workflow.translate(story, language, request.user)
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
        return redirect("admin:articles_story_change", story.pk)
    messages.success(
        request,
        f"A {editions.name(language)} draft was made with this story's structure and text: "
        "translate it in place, write its headline and submit it as usual.",
    )
    return redirect("admin:articles_story_change", draft.pk)
