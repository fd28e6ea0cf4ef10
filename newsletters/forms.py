from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from articles.models import Section
from newsletters import subscribers
from newsletters.models import Newsletter


class SectionChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.local_name  # in the edition the page is in


class ChoicesForm(forms.Form):
    newsletters = forms.ModelMultipleChoiceField(
        queryset=Newsletter.objects.filter(active=True),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=_("Newsletters"),
    )
    sections = SectionChoiceField(
        queryset=Section.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=_("Only stories from these sections"),
        help_text=_("Tick none to get every section."),
    )


class SignupForm(ChoicesForm):
    email = forms.CharField(
        label=_("Your email address"),
        max_length=320,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )

    field_order = ["email", "newsletters", "sections"]

    def clean_email(self):
        try:
            return subscribers.normalized_email(self.cleaned_data["email"])
        except ValidationError as error:
            raise ValidationError(error.messages[0]) from None


class PreferencesForm(ChoicesForm):
    def __init__(self, *args, subscriber=None, **kwargs):
        if subscriber is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "newsletters": list(
                    subscriber.subscriptions.values_list("newsletter_id", flat=True)
                ),
                "sections": list(subscriber.sections.values_list("pk", flat=True)),
            }
        super().__init__(*args, **kwargs)
        self.fields["newsletters"].help_text = _("Tick none to unsubscribe from all of them.")


class EraseForm(forms.Form):
    sure = forms.BooleanField(
        label=_("Yes, erase my address and everything about it"),
        error_messages={"required": _("Tick the box to confirm: erasing cannot be undone.")},
    )
