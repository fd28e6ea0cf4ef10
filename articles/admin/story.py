"""The story desk: the form journalists write in, its ordered children, the workflow
buttons, corrections and import.

Who may see what is decided on the server for every request: the list, the change
form, autocomplete and every button go through ``articles.workflow`` (``visible_stories``,
``can_view``, ``can_edit`` and the transitions' own checks). A story someone may not
see does not exist for them: the admin's "doesn't exist" redirect, or a 404.
"""

from dataclasses import dataclass

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Prefetch, Q
from django.forms.models import BaseInlineFormSet
from django.forms.utils import pretty_name
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.html import format_html, format_html_join
from django.utils.text import smart_split, unescape_string_literal
from django.views.decorators.http import require_POST

from articles import comment_views, editions, snapshot, workflow
from articles.admin.trash import TrashAdmin, TrashFilter
from articles.admin.uploads import KeepsTextWhenImagesFail
from articles.brevity import counter_texts
from articles.forms import (
    BriefingSectionForm,
    ImportCopyForm,
    StoryAdminForm,
    StoryChildForm,
    StoryCorrectionForm,
    TransitionForm,
    keep_pending_upload,
)
from articles.hardening import CheckedQueryString, client_address
from articles.importer import MAX_GO_DEEPER, MAX_SECTIONS, MissingHeadline, import_copy
from articles.models import (
    Author,
    BriefingSection,
    Byline,
    EditingPresence,
    HouseRule,
    RelatedLink,
    Status,
    Story,
)
from articles.models.presence import HEARTBEAT_SECONDS
from articles.parser import ParseError
from articles.text import SLUG_LENGTH, make_slug, unique_slug

#: Said on the story page while an approval is pending or given (the ``edit`` transition).
EDIT_RESETS_REVIEW = (
    "Editing the text of a story in review, approved or scheduled sends it back to "
    "draft: it must be submitted and approved again."
)


def _asked_once(request, rule, story) -> bool:
    """``rule(user, story)``, asked once per request and story: the admin asks often."""
    if story is None or story.pk is None:
        return True
    answers = request.__dict__.setdefault("_newsroom_rules", {})
    key = (rule.__name__, story.pk)
    if key not in answers:
        answers[key] = rule(request.user, story)
    return answers[key]


def can_edit(request, story) -> bool:
    return _asked_once(request, workflow.can_edit, story)


def can_view(request, story) -> bool:
    return _asked_once(request, workflow.can_view, story)


def link_targets(user, *, keep_existing: bool = False):
    """The stories ``user`` may point a "Go deeper" link at: published ones and those
    they may see. ``keep_existing`` adds the targets of links already on stories they
    may see, so re-saving a story never fails on a link someone else chose."""
    visible = workflow.visible_stories(user).values("pk")
    # Not a story in the trash: readers could never follow the link.
    allowed = Q(pk__in=Story.objects.published().values("pk")) | Q(
        pk__in=workflow.visible_stories(user).out_of_trash().values("pk")
    )
    if keep_existing:
        allowed |= Q(
            pk__in=RelatedLink.objects.filter(story__in=visible, target__isnull=False).values(
                "target"
            )
        )
    return Story.objects.filter(allowed)


def is_link_target_search(request) -> bool:
    """Whether this is the autocomplete of a "Go deeper" row's story field."""
    return (
        request.GET.get("app_label") == RelatedLink._meta.app_label
        and request.GET.get("model_name") == RelatedLink._meta.model_name
        and request.GET.get("field_name") == "target"
    )


def add_brevity_messages(request, story) -> None:
    """The house rules the story breaks, as advice after a save."""
    for finding in workflow.gates.advice(story):
        messages.warning(request, in_own_direction(finding.message))


def in_own_direction(message: str) -> str:
    """A house rule's message, in the direction of its own text: a Persian story's are
    Persian (``articles.workflow.gates``), inside the English admin."""
    return format_html('<span dir="auto">{}</span>', message)


def say_what_to_fix(request, refused) -> None:
    """A step the house rules refused: the list of what to fix, each linking to the field."""
    # Each item in the direction of its own text (see in_own_direction).
    items = format_html_join(
        "",
        '<li dir="auto"><a href="#{}">{}</a></li>',
        ((finding.field, finding.message) for finding in refused.failures),
    )
    extra = (
        " Or go ahead anyway: open the button again and give your reason."
        if refused.overridable
        else ""
    )
    messages.error(
        request,
        format_html(
            'Not {}: fix these first.{}<ul class="rule-failures">{}</ul>',
            refused.step.audit_label.lower(),
            extra,
            items,
        ),
    )


def say_who_was_told(request, step, story) -> None:
    """The step's own message, then the truth about who heard of it, then the warnings."""
    outcome = story.outcome
    said = step.done_message(story)
    if step.notify:
        audience = "editor" if step.notify == "editors" else "writer"
        said = format_html("{} {}", said, outcome.told.sentence(audience))
    messages.success(request, said)
    for finding in outcome.warnings:
        messages.warning(request, in_own_direction(finding.message))


@dataclass(frozen=True)
class SaveAnd:
    """A "Save and …" button of the story form: the POST key it sends, and the workflow
    step taken once the text is saved."""

    key: str
    step: str
    label: str


#: One click from typing to the next step: the text is saved, then the step is taken on
#: the version just saved, as if its button above the form had been pressed.
SAVE_AND = [
    SaveAnd("_submit_for_review", "submit", "Save and submit for review"),
    SaveAnd("_publish", "publish", "Save and publish"),
    SaveAnd("_schedule", "schedule", "Save and schedule"),
]
#: Where the form's buttons are: the schedule fields are asked for at each.
SUBMIT_ROWS = ("top", "bottom")


def requested_save_and(request) -> SaveAnd | None:
    """The "Save and …" button this POST was sent with, if any."""
    if request.method != "POST":
        return None
    return next((button for button in SAVE_AND if button.key in request.POST), None)


def offered_after_save(user, story, step) -> bool:
    """Whether ``user`` gets step's "Save and …" button on ``story``'s form: they hold
    the right, and the step applies to the story now or once saving changed text has
    sent it back to draft (the ``edit`` step)."""
    if not workflow.allowed(user, story, step):
        return False
    if step.applies_to(story):
        return True
    return workflow.TRANSITIONS["edit"].applies_to(story) and Status.DRAFT in step.sources


def slug_made_from(slug: str, text: str) -> bool:
    """Whether ``slug`` is what ``unique_slug`` makes of ``text`` (with any -2, -3 …)."""
    base = make_slug(text)[:SLUG_LENGTH].strip("-") or "story"
    if slug == base:
        return True
    stem, _, number = slug.rpartition("-")
    return number.isdigit() and stem == base[: SLUG_LENGTH - len(number) - 1]


#: The story form's fields written in the story's language.
STORY_TEXT_FIELDS = ["headline", "dek", "dateline", "lede", "lead_image_alt", "lead_image_caption"]


def text_direction(form, story, names) -> None:
    """Write the text fields of ``form`` (a class made for ``story``) in the direction of
    the story's language: ``dir="rtl"`` for a Persian story, ``dir="auto"`` (the
    browser follows the first letters typed) for a new one."""
    direction = "auto"
    if story is not None:
        direction = "rtl" if editions.is_rtl(story.language) else "ltr"
    for name in names:
        field = form.base_fields.get(name)
        if field is not None:
            field.widget.attrs["dir"] = direction


class StoryChildInline:
    """Children of a story are editable exactly when the story is."""

    form = StoryChildForm

    def get_extra(self, request, obj=None, **kwargs):
        # A blank row on a new story shows where things go; later it would be clutter.
        return 1 if obj is None else 0

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and can_edit(request, obj)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and can_view(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and can_edit(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and can_edit(request, obj)


class LabelledRows(BaseInlineFormSet):
    """The rows of a table-like inline, each field named for screen readers by its
    column and its row ("Role, byline 2"): in a table row there is no <label>, and the
    column heading is not the field's name."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        noun = self.model._meta.verbose_name
        row = f"{noun} {index + 1}" if index is not None else f"new {noun}"
        for name, field in form.fields.items():
            if field.widget.is_hidden:
                continue
            # The widget that renders: a related-field wrapper's own attrs are those of
            # the widget it was made with, shared by every form.
            widget = getattr(field.widget, "widget", field.widget)
            widget.attrs["aria-label"] = f"{field.label or pretty_name(name)}, {row}"


class BylineInline(StoryChildInline, admin.TabularInline):
    model = Byline
    formset = LabelledRows
    fields = ["position", "author", "role"]
    autocomplete_fields = ["author"]
    verbose_name_plural = "bylines"


class BriefingSectionInline(StoryChildInline, admin.StackedInline):
    model = BriefingSection
    # A story of thousands of sections took a minute to open: the importer's limit.
    max_num = MAX_SECTIONS
    validate_max = True
    form = BriefingSectionForm
    fields = ["position", "label", "body"]
    verbose_name_plural = "briefing sections"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("label")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        text_direction(formset.form, obj, ["body"])
        # Labels named as the story's readers will read them ("چرا مهم است").
        language = obj.language if obj is not None else editions.codes()[0]
        formset.form.base_fields["label"].label_from_instance = lambda label: label.name_in(
            language
        )
        return formset

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "label" and isinstance(field.widget, RelatedFieldWidgetWrapper):
            # Labels are a short fixed list managed by editors: no add/edit icons beside it.
            field.widget = field.widget.widget
        return field


class RelatedLinkInline(StoryChildInline, admin.TabularInline):
    model = RelatedLink
    formset = LabelledRows
    max_num = MAX_GO_DEEPER
    validate_max = True
    fk_name = "story"
    fields = ["position", "title", "target", "url"]
    autocomplete_fields = ["target"]
    verbose_name_plural = "go deeper"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "target":
            # The same stories the autocomplete offers, checked again on save: a
            # journalist cannot link to (and so reveal) another journalist's draft by id.
            kwargs["queryset"] = link_targets(request.user, keep_existing=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


#: Admin search looks for at most this many words, each at most this long: a pasted
#: paragraph would otherwise cost one index scan per word.
SEARCH_WORDS = 8
SEARCH_WORD_LENGTH = 100


@admin.register(Story)
class StoryAdmin(TrashAdmin, KeepsTextWhenImagesFail, CheckedQueryString, admin.ModelAdmin):
    form = StoryAdminForm
    image_fields = ("lead_image",)
    inlines = [BylineInline, BriefingSectionInline, RelatedLinkInline]
    fieldsets = [
        (
            None,
            {
                "fields": ["headline", "slug", "dek"],
                "description": "The headline and the line under it: what readers see "
                "first on the home page and in search results.",
            },
        ),
        (
            "The top",
            {
                "fields": ["dateline", "lede"],
                "description": "One sentence that tells the news. Sections go below.",
            },
        ),
        ("Where it goes", {"fields": ["language", "section", "tags"]}),
        (
            "Lead image",
            {
                "fields": [
                    "lead_image",
                    "lead_image_alt",
                    "lead_image_caption",
                    "lead_image_credit",
                    ("lead_image_focus_x", "lead_image_focus_y"),
                ],
                "classes": ["collapse"],
            },
        ),
        ("Saving", {"fields": ["revision_note", "base_version", "pending_lead_image"]}),
    ]
    # The "Save and …" buttons above the form as well as under it.
    save_on_top = True
    autocomplete_fields = ["section", "tags"]
    list_display = ["headline", "status", "section", "byline_names", "updated_at"]
    list_select_related = ["section"]
    list_filter = [TrashFilter, "status", "section", "tags"]
    actions = ["restore_selected", "purge_selected"]
    search_fields = ["headline", "lede", "bylines__author__name"]
    show_full_result_count = False

    class Media:
        css = {"all": ["css/admin.css", "css/comments.css"]}
        js = [
            "js/admin/brevity.js",
            "js/admin/reorder.js",
            "js/admin/workflow.js",
            "js/admin/presence.js",
            "js/admin/a11y.js",
        ]

    # --- the list ------------------------------------------------------------------

    def get_queryset(self, request):
        # Every admin page of a story starts here (list, form, history, delete,
        # autocomplete), so a story the user may not see is simply not found.
        return workflow.visible_stories(request.user).prefetch_related(
            Prefetch("bylines", queryset=Byline.objects.select_related("author"))
        )

    def get_search_results(self, request, queryset, search_term):
        if is_link_target_search(request):
            # "Go deeper" may point at any published story, not only the writer's own.
            queryset = link_targets(request.user)
        # Each word must be in the headline, the lede or a byline name. Django's own
        # search joins the bylines and then needs DISTINCT over every story column
        # (0.8 s at 100,000 stories); here each word is one IN over a UNION of story
        # ids, which the trigram indexes of migration 0010 answer on PostgreSQL.
        words = list(smart_split(search_term))
        if len(words) > SEARCH_WORDS and "q" in request.GET:  # the list, not an autocomplete
            messages.info(request, f"Searched for the first {SEARCH_WORDS} words only.")
        for word in words[:SEARCH_WORDS]:
            if word[0] in "\"'" and word[-1] == word[0]:
                word = unescape_string_literal(word)
            word = word[:SEARCH_WORD_LENGTH]
            if not word:
                continue
            in_text = Story.objects.filter(Q(headline__icontains=word) | Q(lede__icontains=word))
            in_byline = Byline.objects.filter(author__name__icontains=word)
            matching = in_text.values("pk").union(in_byline.values("story_id"))
            queryset = queryset.filter(pk__in=matching)
        return queryset, False

    @admin.display(description="bylines")
    def byline_names(self, story):
        return ", ".join(byline.author.name for byline in story.bylines.all())

    # --- who may do what -----------------------------------------------------------

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and can_view(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and can_edit(request, obj)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and not self.has_change_permission(request, obj):
            # Read-only: nothing is saved, so no note and no version to send back.
            fieldsets = [f for f in fieldsets if f[0] != "Saving"]
        return fieldsets

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        # The form keeps a chosen picture across errors for the person who chose it.
        form = type(form.__name__, (form,), {"user": request.user})
        text_direction(form, obj, STORY_TEXT_FIELDS)
        return form

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, BylineInline) and obj.pk is None and request.method == "GET":
            # A new story starts with its writer's own byline. Only on the blank form: a
            # posted row equal to its initial value would count as unchanged and be dropped.
            author = Author.objects.filter(user=request.user).first()
            if author is not None:
                kwargs["initial"] = [{"author": author.pk, "position": 0}]
        return kwargs

    def get_prepopulated_fields(self, request, obj=None):
        if obj is not None and obj.first_published_at:
            return {}
        return {"slug": ["headline"]}

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        # The date and slug make the public address: it must not move once readers have it.
        if obj is not None and obj.first_published_at:
            readonly.append("slug")
        return readonly

    def view_on_site(self, story):
        return story.get_absolute_url() if story.is_live else None

    # --- the form ------------------------------------------------------------------

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        form = context["adminform"].form
        if request.method == "POST":
            # The form came back with errors: keep the picture chosen with it.
            self.keep_chosen_picture(request, form)
            if getattr(form, "refused_at_version", None) is not None:
                self.keep_refused_text(request, obj, form, context["inline_admin_formsets"])
        context["brevity_limits"] = {
            code: rule.limit
            for code, rule in HouseRule.objects.as_table().items()
            if rule.limit is not None
        }
        # The counters speak the story's language, as the house rules' messages do.
        language = obj.language if obj is not None else translation.get_language()
        with translation.override(language):
            context["brevity_texts"] = counter_texts()
        if obj is not None and obj.pk:
            context.update(self.workflow_context(request, obj))
        if add or self.has_change_permission(request, obj):
            context["save_and"] = self.save_and_context(request, obj or Story())
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_and_context(self, request, story) -> list[dict]:
        """The "Save and …" buttons this user gets on this story's form."""
        buttons = []
        for button in SAVE_AND:
            step = workflow.TRANSITIONS[button.step]
            if not offered_after_save(request.user, story, step):
                continue
            item = {"key": button.key, "label": button.label, "step": step}
            if step.takes_schedule:
                # Asked at each row of buttons, each under a prefix of its own: one form
                # cannot carry two fields of one name.
                item["forms"] = {
                    place: TransitionForm(
                        step=step,
                        prefix=f"schedule-{place}",
                        use_required_attribute=False,
                        initial={
                            name: request.POST.get(f"schedule-{place}-{name}")
                            for name in ("publish_at", "expire_at")
                        },
                    )
                    for place in SUBMIT_ROWS
                }
                item["current_timezone"] = timezone.get_current_timezone_name()
            buttons.append(item)
        return buttons

    def keep_chosen_picture(self, request, form) -> None:
        """A picture uploaded with a form that came back with errors is kept (for a day,
        for this user), and reused when the form is posted again without a new file."""
        if "lead_image" not in form.fields:
            return
        upload = form.new_upload() if form.is_bound else None
        kept = form.pending
        if upload is not None:
            original = form.files[form.add_prefix("lead_image")].name
            try:
                token = keep_pending_upload(upload, original, request.user)
            except OSError:
                messages.warning(
                    request,
                    "The picture you chose could not be kept while you fix the form: "
                    "choose it again before saving.",
                )
                return
            form.data = form.data.copy()
            form.data[form.add_prefix("pending_lead_image")] = token
            kept = {"original": original}
        if kept is None:
            return
        said = format_html(
            "The picture you chose (“{}”) is kept: it is saved with the story when you save "
            "again. Choose another file to replace it.",
            kept["original"],
        )
        form.fields["lead_image"].help_text = said
        messages.info(request, said)

    def workflow_context(self, request, story) -> dict:
        """Where the story stands and what this user may do with it, for the form's top."""
        editable = self.has_change_permission(request, story)
        # Rendered for someone who may edit (opened, or back with errors): they are here.
        here = EditingPresence.touch(story, request.user) if editable else None
        in_review = story.status in (Status.IN_REVIEW, Status.APPROVED, Status.SCHEDULED)
        return {
            "story_status": story.get_status_display(),
            "story_status_code": story.status,
            "live_url": self.view_on_site(story),
            "has_unpublished_changes": story.has_unpublished_changes,
            "preview_url": reverse("articles:story-preview", args=[story.pk]),
            "history_url": reverse("history:list", args=[story.pk]),
            "preview_links_url": (
                reverse("history:preview-links", args=[story.pk]) if editable else None
            ),
            "reviewer_note": (
                story.workflow_note if story.status == Status.CHANGES_REQUESTED else ""
            ),
            "edit_resets_review": EDIT_RESETS_REVIEW if in_review else "",
            "others_editing": list(EditingPresence.objects.others_editing(story, request.user)),
            # The heartbeat that keeps "being edited by" true (static/js/admin/presence.js).
            "presence_url": reverse("history:presence", args=[story.pk]) if editable else None,
            "heartbeat_seconds": HEARTBEAT_SECONDS,
            # This page's own visit: its goodbye must not end a later page's.
            "presence_seen": here.last_seen.isoformat() if here else "",
            "transitions": [
                {
                    "step": step,
                    "url": reverse("admin:articles_story_transition", args=[story.pk, step.name]),
                    "form": TransitionForm(
                        step=step,
                        may_override=workflow.gates.may_override(request.user),
                        initial={"version": story.version},
                        auto_id=f"id_{step.name}_%s",
                    ),
                }
                for step in workflow.available(request.user, story)
            ],
            "current_timezone": timezone.get_current_timezone_name(),
            "trash_days": workflow.trash_days(),
            "can_restore": story.trashed_at is not None and workflow.can_trash(request.user, story),
            "corrections": list(story.corrections.select_related("created_by")),
            "correction_form": (
                StoryCorrectionForm(auto_id="id_correction_%s")
                if story.is_live and request.user.has_perm("articles.add_correction")
                else None
            ),
            "correction_url": reverse("admin:articles_story_correction", args=[story.pk]),
            "comment_panel": comment_views.panel(request, story),
            "translations": self.translations_panel(request, story),
        }

    @staticmethod
    def translations_panel(request, story) -> dict:
        """The story's versions in other languages, and the languages it may be
        translated into (for someone who may create stories)."""
        group = list(story.translation_group().exclude(pk=story.pk).order_by("language"))
        taken = {story.language, *(other.language for other in group)}
        return {
            "language": editions.name(story.language),
            "original": story.translation_source,
            "outdated": story.translation_outdated,
            "others": [
                {
                    "story": other,
                    "language": editions.name(other.language),
                    "url": reverse("admin:articles_story_change", args=[other.pk]),
                }
                for other in group
            ],
            "into": [
                {"code": code, "name": editions.name(code)}
                for code in editions.codes()
                if code not in taken
            ]
            if request.user.has_perm("articles.add_story")
            else [],
            "url": reverse("history:translate", args=[story.pk]),
        }

    def keep_refused_text(self, request, story, form, inline_admin_formsets) -> None:
        """The save was refused as stale: keep what the form held, children and all, so
        that it survives a closed tab, and say where it is."""
        stored_image = Story.objects.filter(pk=story.pk).values_list("lead_image", flat=True)
        if story.lead_image and not story.lead_image._committed:
            # A new upload is not kept: only stored files may appear in a snapshot.
            story.lead_image = stored_image.first() or ""
        rows = {}
        for inline in inline_admin_formsets:
            kept = [
                f.instance
                for f in inline.formset.forms
                if getattr(f, "cleaned_data", None)
                and not f.cleaned_data.get("DELETE")
                and (f.instance.pk or f.has_changed())
            ]
            rows[inline.formset.model] = sorted(kept, key=lambda row: row.position or 0)
        content = snapshot.assemble(
            story,
            tags=form.cleaned_data.get("tags") or [],
            bylines=[b for b in rows.get(Byline, []) if b.author_id],
            parts=rows.get(BriefingSection, []),
            links=rows.get(RelatedLink, []),
        )
        refused = workflow.keep_refused_save(
            story,
            content,
            form.refused_at_version,
            request.user,
            ip_address=client_address(request),
        )
        messages.warning(
            request,
            format_html(
                'Your text is kept in the story\'s history: <a href="{}">see it beside the '
                "saved version</a>, and use it if it should win.",
                reverse("history:refused", args=[story.pk, refused.pk]),
            ),
        )

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        if "headline" in form.changed_data:
            if change and self.slug_follows_headline(obj, form):
                obj.slug = unique_slug(Story, obj.headline, instance=obj)
            # Someone wrote a headline over the importer's placeholder: it may be published.
            obj.headline_is_provisional = False
        super().save_model(request, obj, form, change)
        if form.pending is not None:
            # Stored with the story now: the kept copy is no longer needed.
            name = form.pending["name"]
            transaction.on_commit(lambda: default_storage.delete(name))

    @staticmethod
    def slug_follows_headline(story, form) -> bool:
        """Until the story is first published its address follows the headline: the
        importer's provisional one (made from the lede), or one made from the former
        headline. A slug someone typed themselves stays theirs."""
        if story.first_published_at is not None or "slug" in form.changed_data:
            return False
        if story.headline_is_provisional:
            return True
        return slug_made_from(form.initial.get("slug") or "", form.initial.get("headline") or "")

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # After the children are saved, so the revision holds the whole story.
        note = form.cleaned_data.get("revision_note", "").strip()
        story = form.instance
        status_before = story.status
        workflow.save_revision(
            story,
            request.user,
            note or ("Edited" if change else "Created"),
            ip_address=client_address(request),
        )
        if story.status != status_before:
            said = workflow.TRANSITIONS["edit"].done_message(story, status_before)
            if said:
                messages.warning(request, said)
        # Advice is given after the commit (changeform_view): nothing slow holds the
        # story's row lock.
        request._newsroom_saved_story = story

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        response = super().changeform_view(request, object_id, form_url, extra_context)
        saved = request.__dict__.pop("_newsroom_saved_story", None)
        if saved is not None:
            # After the save's commit: the step locks the row again, on its own.
            button = requested_save_and(request)
            if button is None:
                add_brevity_messages(request, saved)
            else:
                self.take_step_after_save(request, saved, button)
        return response

    def take_step_after_save(self, request, story, button: SaveAnd) -> None:
        """A "Save and …" button: the text is saved; now the step, on the version just
        saved, told the way the buttons above the form tell it. A refusal leaves the
        text saved and says why."""
        step = workflow.TRANSITIONS[button.step]
        done = step.audit_label.lower()
        if not workflow.allowed(request.user, story, step):
            messages.error(request, f"Saved, but not {done}: you may not do that on this story.")
            return
        if not step.applies_to(story):
            if story.status == step.target:
                status = story.get_status_display().lower()
                messages.info(request, f"Saved. The story is {status} already.")
            else:
                messages.error(
                    request,
                    f"Saved, but not {done}: the story is "
                    f"{story.get_status_display().lower()} now, because your changes need "
                    "review first.",
                )
            return
        schedule = {}
        if step.takes_schedule:
            place = request.POST.get(button.key)
            data = request.POST.copy()
            data[f"schedule-{place}-version"] = str(story.version)
            form = TransitionForm(data, step=step, prefix=f"schedule-{place}")
            if place not in SUBMIT_ROWS or not form.is_valid():
                messages.error(request, f"Saved, but not {done}: {form.error_text()}")
                return
            schedule = {k: form.cleaned_data.get(k) for k in ("publish_at", "expire_at")}
        try:
            workflow.transition(
                story,
                step.name,
                request.user,
                expected_version=story.version,
                ip_address=client_address(request),
                **schedule,
            )
        except workflow.RulesFailed as refused:
            say_what_to_fix(request, refused)
        except workflow.TransitionError as error:
            messages.error(request, f"Saved, but not {done}: {' '.join(error.messages)}")
        else:
            say_who_was_told(request, step, story)

    def response_add(self, request, obj, post_url_continue=None):
        response = super().response_add(request, obj, post_url_continue)
        return self.back_to_the_story(request, obj, response)

    def response_change(self, request, obj):
        return self.back_to_the_story(request, obj, super().response_change(request, obj))

    def back_to_the_story(self, request, story, response):
        """After "Save and …", the story's own page: where it stands now."""
        if requested_save_and(request) and isinstance(response, HttpResponseRedirect):
            return HttpResponseRedirect(reverse("admin:articles_story_change", args=[story.pk]))
        return response

    # --- workflow buttons and corrections ------------------------------------------

    def get_urls(self):
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            *self.trash_urls(),
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name=f"{info}_import",
            ),
            path(
                "<path:object_id>/transition/<str:name>/",
                self.admin_site.admin_view(require_POST(self.transition_view)),
                name=f"{info}_transition",
            ),
            path(
                "<path:object_id>/correction/",
                self.admin_site.admin_view(require_POST(self.correction_view)),
                name=f"{info}_correction",
            ),
            *super().get_urls(),
        ]

    def visible_story(self, request, object_id) -> Story:
        story = self.get_object(request, unquote(object_id))
        if story is None:
            raise Http404("No such story.")
        return story

    def transition_view(self, request, object_id, name):
        """One workflow button: check the right, then let ``workflow.transition`` decide."""
        step = workflow.TRANSITIONS.get(name)
        if step is None:
            raise Http404("No such action.")
        story = self.visible_story(request, object_id)
        # Asked before the form is read, so a refusal is a 403 whatever the POST holds;
        # the workflow checks again under lock.
        if not workflow.allowed(request.user, story, step):
            raise PermissionDenied
        back = reverse("admin:articles_story_change", args=[story.pk])
        preview_url = reverse("articles:story-preview", args=[story.pk])
        if request.POST.get("next") == preview_url:
            # Pressed under the staff preview: the reviewer comes back to what they read.
            back = preview_url
        form = TransitionForm(
            request.POST, step=step, may_override=workflow.gates.may_override(request.user)
        )
        if not form.is_valid():
            messages.error(request, f"{step.label}: {form.error_text()} Nothing was changed.")
            return HttpResponseRedirect(back)
        data = form.cleaned_data
        try:
            workflow.transition(
                story,
                name,
                request.user,
                expected_version=data["version"],
                message=data.get("message", ""),
                publish_at=data.get("publish_at"),
                expire_at=data.get("expire_at"),
                override_reason=data.get("override_reason", ""),
                ip_address=client_address(request),
            )
        except workflow.RulesFailed as refused:
            say_what_to_fix(request, refused)
        except workflow.TransitionError as error:
            messages.error(request, " ".join(error.messages))
        else:
            say_who_was_told(request, step, story)
        return HttpResponseRedirect(back)

    def correction_view(self, request, object_id):
        """A correction, clarification or update on a live story, without re-approval."""
        story = self.visible_story(request, object_id)
        if not request.user.has_perm("articles.add_correction"):
            raise PermissionDenied
        form = StoryCorrectionForm(request.POST)
        if not form.is_valid():
            errors = " ".join(e for errors in form.errors.values() for e in errors)
            messages.error(request, f"The correction was not added: {errors}")
        else:
            try:
                correction = workflow.correct(
                    story,
                    form.cleaned_data["kind"],
                    form.cleaned_data["text"],
                    request.user,
                    ip_address=client_address(request),
                )
            except ValidationError as error:
                messages.error(request, f"The correction was not added: {' '.join(error.messages)}")
            else:
                messages.success(
                    request,
                    f"{correction.get_kind_display()} added. Readers see it on the story now.",
                )
        return HttpResponseRedirect(reverse("admin:articles_story_change", args=[story.pk]))

    # --- import from text ----------------------------------------------------------

    def import_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ImportCopyForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    result = import_copy(
                        data["text"],
                        headline=data["headline"] or None,
                        section=data["section"],
                        publish=False,
                        by=request.user,
                        provisional=False,
                    )
            except MissingHeadline:
                form.add_error(
                    "headline",
                    "The copy has no headline line: write the headline here (or on the "
                    "copy's first line), then import again.",
                )
            except ParseError as exc:
                form.add_error("text", str(exc))
            else:
                self.report_import(request, result)
                return HttpResponseRedirect(
                    reverse("admin:articles_story_change", args=[result.story.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Import a story from text",
            "form": form,
            "media": forms.Media(css={"all": ["css/admin.css"]}) + form.media,
        }
        return TemplateResponse(request, "admin/articles/story/import.html", context)

    def report_import(self, request, result) -> None:
        story = result.story
        messages.success(request, f"Imported “{story.headline}” as a draft. Check it below.")
        for author in result.created_authors:
            messages.info(request, f"New author added for the byline: {author}.")
        for warning in result.warnings:
            messages.warning(request, str(warning))
        for title in result.unresolved:
            messages.warning(
                request,
                f"Go deeper: no story is called “{title}”. Choose the story or add a web "
                "address in the Go deeper rows below.",
            )
        add_brevity_messages(request, story)
