"""Forms of the journalists' admin: the story form, its section rows and the copy import."""

from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from django.db.models import Q

from articles.models import BriefingLabel, BriefingSection, Correction, Revision, Section, Story

no_nul = ProhibitNullCharactersValidator()


class StoryAdminForm(forms.ModelForm):
    revision_note = forms.CharField(
        required=False,
        max_length=Revision._meta.get_field("message").max_length,
        validators=[no_nul],
        help_text="Optional: a few words on what you changed, e.g. “Updated casualty "
        "figures”. It appears in the story's history.",
    )

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
        ]
        help_texts = {
            "section": "The desk the story belongs to; it decides where the story appears "
            "on the site.",
            "tags": "Topics, people or places readers may want to follow. Start typing to "
            "find one.",
            "lead_image": "A wide picture at the top of the story. Optional.",
            "lead_image_caption": "What is happening in the picture, in one sentence.",
            "lead_image_credit": "Who took it, e.g. “Jane Doe / Reuters”.",
        }


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


class ImportCopyForm(forms.Form):
    text = forms.CharField(
        label="Copy",
        widget=forms.Textarea(attrs={"rows": 24, "cols": 90}),
        validators=[no_nul],
        strip=False,
        help_text="Paste the whole story as plain text: headline first, then the lede, "
        "labelled sections (“Why it matters”, “The big picture”…), “Go deeper” "
        "entries and, on the last line, the byline(s).",
    )
    headline = forms.CharField(
        required=False,
        max_length=Story._meta.get_field("headline").max_length,
        validators=[no_nul],
        widget=forms.TextInput(attrs={"class": "vTextField"}),
        help_text="Optional: use this headline instead of the copy's first line.",
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
