"""Forms of the journalists' admin: the story form, its section rows, the workflow
buttons, corrections and the copy import."""

import re
import uuid
from pathlib import PurePath

from django import forms
from django.core import signing
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.db.models import Q

from articles import workflow
from articles.models import BriefingLabel, BriefingSection, Correction, Revision, Section, Story
from articles.text import plain_text

#: What a reviewer may write: a few paragraphs, not a second story.
COMMENT_MAX_LENGTH = 5000

# --- a chosen picture kept across a form that comes back with errors -----------------------

#: Where a cleaned upload waits for the form to be posted again. Below ``stories/``, so
#: ``manage.py prune_media`` removes whatever is left there after a day, like any image
#: nothing uses.
PENDING_FOLDER = "stories/pending"
_PENDING_NAME = re.compile(r"stories/pending/[0-9a-f]{32}\.(?:jpg|png|webp)")
_PENDING_SALT = "articles.forms.pending-upload"
#: How long a kept picture may be reused: prune_media's default age.
PENDING_MAX_AGE = 24 * 60 * 60


def keep_pending_upload(upload: File, original_name: str, user) -> str:
    """Store a cleaned upload until the form is posted again; return the signed
    reference the form carries in a hidden field (it names the file and the user)."""
    suffix = PurePath(upload.name).suffix.lower()
    name = default_storage.save(f"{PENDING_FOLDER}/{uuid.uuid4().hex}{suffix}", upload)
    return signing.dumps(
        {"name": name, "user": user.pk, "original": original_name[-100:]}, salt=_PENDING_SALT
    )


def pending_upload(token: str, user) -> dict | None:
    """The kept upload a hidden field refers to, if it is this user's and still there."""
    if not token or user is None:
        return None
    try:
        kept = signing.loads(token, salt=_PENDING_SALT, max_age=PENDING_MAX_AGE)
    except signing.BadSignature:
        return None
    name = kept.get("name", "")
    if kept.get("user") != user.pk or not _PENDING_NAME.fullmatch(name):
        return None
    if not default_storage.exists(name):
        return None
    return kept


class StoryAdminForm(forms.ModelForm):
    revision_note = forms.CharField(
        required=False,
        max_length=Revision._meta.get_field("message").max_length,
        validators=[plain_text],
        help_text="Optional: a few words on what you changed, e.g. “Updated casualty "
        "figures”. It appears in the story's history.",
    )
    # The version the form was opened at. Not called "version": that model column is
    # the workflow's, and a posted "version" must change nothing.
    base_version = forms.IntegerField(
        required=False, min_value=0, max_value=2**31 - 1, widget=forms.HiddenInput
    )
    # The lead image chosen before the form came back with errors (keep_pending_upload).
    pending_lead_image = forms.CharField(required=False, widget=forms.HiddenInput)

    #: Who fills the form in: StoryAdmin.get_form sets it, for the kept picture.
    user = None
    #: The kept picture this POST reused (``pending_upload``), if any.
    pending = None

    class Meta:
        model = Story
        fields = [
            "headline",
            "slug",
            "dek",
            "dateline",
            "lede",
            "section",
            "tags",
            "lead_image",
            "lead_image_alt",
            "lead_image_caption",
            "lead_image_credit",
            "lead_image_focus_x",
            "lead_image_focus_y",
        ]
        widgets = {
            "headline": forms.TextInput(attrs={"class": "vTextField story-headline"}),
        }
        help_texts = {
            "slug": "The last part of the story's web address. It follows the headline "
            "until the story is first published, unless you change it yourself; then it "
            "is fixed.",
            "section": "The desk the story belongs to; it decides where the story appears "
            "on the site.",
            "tags": "Topics, people or places readers may want to follow. Start typing to "
            "find one.",
            "lead_image": "A wide picture at the top of the story. Optional.",
            "lead_image_caption": "What is happening in the picture, in one sentence.",
            "lead_image_credit": "Who took it, e.g. “Jane Doe / Reuters”.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["base_version"].initial = self.instance.version
        if self.instance.headline_is_provisional and "headline" in self.fields:
            headline = self.fields["headline"]
            headline.widget.attrs["class"] += " story-headline--provisional"
            headline.help_text = (
                "Provisional: the importer made this headline from the lede. Write the "
                "real one before you submit the story; it cannot be published with this one."
            )

    def clean(self):
        cleaned = super().clean()
        self.use_pending_image(cleaned)
        if self.instance.pk:
            self.refuse_stale_save(cleaned.get("base_version"))
        return cleaned

    def new_upload(self):
        """The picture uploaded with this POST, cleaned, if there is one."""
        if self.files.get(self.add_prefix("lead_image")) is None:
            return None
        upload = getattr(self, "cleaned_data", {}).get("lead_image")
        return upload if isinstance(upload, File) and not hasattr(upload, "instance") else None

    def use_pending_image(self, cleaned) -> None:
        """Without a new file (and without "Clear"), take the picture kept from the last
        time this form came back with errors."""
        if "lead_image" not in self.fields or self.new_upload() is not None:
            return
        if cleaned.get("lead_image") is False:  # "Clear" ticked
            return
        self.pending = pending_upload(cleaned.get("pending_lead_image", ""), self.user)
        if self.pending is None:
            return
        with default_storage.open(self.pending["name"]) as kept:
            data = kept.read()
        cleaned["lead_image"] = ContentFile(data, name=PurePath(self.pending["name"]).name)

    def refuse_stale_save(self, submitted: int | None) -> None:
        """Refuse the save if the story was saved since this form was opened (the
        workflow's rule; the row stays locked until the admin's transaction ends)."""
        if submitted is None:
            if "base_version" not in self.errors:
                raise forms.ValidationError(
                    "This form is out of date. Copy your text, then reload the page."
                )
            return
        try:
            workflow.refuse_stale_save(self.instance, submitted)
        except workflow.StaleVersion:
            # The admin keeps the refused text (StoryAdmin.render_change_form).
            self.refused_at_version = submitted
            raise


class StoryChildForm(forms.ModelForm):
    """A byline, section or link row of the story form."""

    def has_changed(self):
        if self.instance._state.adding:
            # static/js/admin/reorder.js numbers a row as soon as it is added; a new row
            # with nothing but its number is still blank and is skipped, as Django does.
            return bool(set(self.changed_data) - {"position"})
        return super().has_changed()


class BriefingSectionForm(StoryChildForm):
    class Meta:
        model = BriefingSection
        fields = ["position", "label", "body"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Retired labels are not offered, but a section that already has one keeps it.
        label = self.fields["label"]
        label.queryset = BriefingLabel.objects.filter(Q(active=True) | Q(pk=self.instance.label_id))
        label.empty_label = "(no label)"


class CorrectionAdminForm(forms.ModelForm):
    class Meta:
        model = Correction
        fields = ["story", "kind", "text"]
        help_texts = {
            "story": "Corrections are added to published stories only.",
            "text": "What was wrong and what is right, in plain words. Readers see it "
            "at the foot of the story.",
        }

    def clean_story(self):
        story = self.cleaned_data["story"]
        if self.instance._state.adding and not story.is_live:
            raise forms.ValidationError("Corrections are for published stories.")
        return story


class TransitionForm(forms.Form):
    """The small form behind one workflow button on the story page.

    ``version`` is the story's version when the page was opened: approving or
    publishing vouches for the text the editor read, so a story saved since is refused.
    """

    version = forms.IntegerField(min_value=0, max_value=2**31 - 1, widget=forms.HiddenInput)
    message = forms.CharField(
        label="Comment for the writers",
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        validators=[plain_text],
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="What should change, and why. The writers see it on the story and by email.",
    )
    publish_at = forms.DateTimeField(
        label="Publish at",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    expire_at = forms.DateTimeField(
        label="Take down at",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Optional: when the story should come off the site by itself.",
    )
    override_reason = forms.CharField(
        label="Go ahead despite the house rules, because…",
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        validators=[plain_text],
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text="Only if a rule blocks this step and you have a reason to go ahead: "
        "the history keeps it.",
    )

    def __init__(self, *args, step: "workflow.Transition", may_override: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.step = step
        if not (step.gate and may_override):
            del self.fields["override_reason"]
        if step.needs_comment:
            self.fields["message"].required = True
            self.fields["message"].error_messages["required"] = (
                "Write a comment for the writers: what should change?"
            )
        else:
            del self.fields["message"]
        if step.takes_schedule:
            self.fields["publish_at"].required = True
            self.fields["publish_at"].error_messages["required"] = (
                "Choose when the story should go live."
            )
        else:
            del self.fields["publish_at"]
            del self.fields["expire_at"]

    def clean(self):
        cleaned = super().clean()
        if self.step.takes_schedule and cleaned.get("publish_at") and "expire_at" in cleaned:
            workflow.validate_schedule(cleaned["publish_at"], cleaned.get("expire_at"))
        return cleaned

    def error_text(self) -> str:
        """Every error in one line, for a message above the story form."""
        parts = []
        for name, errors in self.errors.items():
            label = self.fields[name].label if name in self.fields else ""
            text = " ".join(errors)
            parts.append(f"{label}: {text}" if label and name != "message" else text)
        return " ".join(parts)


class StoryCorrectionForm(forms.Form):
    """A correction, clarification or update added from a live story's page."""

    kind = forms.ChoiceField(choices=Correction.Kind.choices, initial=Correction.Kind.CORRECTION)
    text = forms.CharField(
        validators=[plain_text],
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="What was wrong and what is right, in plain words. Readers see it at the "
        "foot of the story straight away, with its time; the story text is not re-approved.",
    )

    def clean_text(self):
        text = self.cleaned_data["text"]
        if not text.strip():
            raise forms.ValidationError("Write the text of the correction.")
        return text


class ImportCopyForm(forms.Form):
    text = forms.CharField(
        label="Copy",
        widget=forms.Textarea(attrs={"rows": 24, "cols": 90}),
        validators=[plain_text],
        strip=False,
        help_text="Paste the whole story as plain text: headline first, then the lede, "
        "labelled sections (“Why it matters”, “The big picture”…), “Go deeper” "
        "entries and, on the last line, the byline(s).",
    )
    headline = forms.CharField(
        required=False,
        max_length=Story._meta.get_field("headline").max_length,
        validators=[plain_text],
        widget=forms.TextInput(attrs={"class": "vTextField"}),
        help_text="Needed when the copy has no headline line; otherwise it replaces the "
        "copy's first line.",
    )
    section = forms.ModelChoiceField(
        queryset=Section.objects.all(),
        required=False,
        empty_label="(choose later)",
        help_text="Optional: the desk the story belongs to.",
    )

    def clean_text(self):
        text = self.cleaned_data["text"]
        if not text.strip():
            raise forms.ValidationError("Paste the story's copy.")
        return text
