"""Newsroom forms: what a journalist types, checked before any service runs.

Lengths match the model columns (or a generous cap for free text), so an
oversized submit is a form error rather than a database error.
"""

import zoneinfo

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.db.models import Q

from accounts.models import Role, User
from liveblog.markup import MARKUP_HELP
from liveblog.models import Event, Post, PostImage, Quote, Speaker
from liveblog.services import MAX_KEY_POINTS

MAX_BODY_CHARS = 20_000
MAX_QUOTE_CHARS = 5_000
MAX_STANDFIRST_CHARS = 1_000
MAX_QUOTES_PER_SUBMIT = 6
DATETIME_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


def local_datetime_field(label: str, help_text: str = "") -> forms.DateTimeField:
    # Read in the event's time zone: the views activate it around every form.
    return forms.DateTimeField(
        label=label, required=False, input_formats=DATETIME_INPUT_FORMATS,
        widget=DateTimeLocalInput(), help_text=help_text,
    )


def newsroom_members():
    """Everyone who can be credited in a byline: role holders and superusers with a display
    name (without one, the byline would show a username)."""
    return (
        User.objects.filter(Q(groups__name__in=Role.values) | Q(is_superuser=True), is_active=True)
        .exclude(display_name="")
        .distinct()
        .order_by("display_name", "username")
    )


class AuthorsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, user):
        return f"{user.byline_name}, {user.job_title}" if user.job_title else user.byline_name


class BylineForm(forms.Form):
    """What readers see in a journalist's bylines, asked for before their first post."""

    display_name = forms.CharField(
        max_length=120, label="Your name as readers see it",
        help_text="Shown in every byline, e.g. “Ada Lovelace”.",
    )
    job_title = forms.CharField(
        max_length=120, label="Job title", help_text="Shown after your name, e.g. “Diplomatic correspondent”.",
    )


class PostForm(forms.Form):
    """The words of a post, shared by the compose and edit forms."""

    headline = forms.CharField(max_length=200, required=False)
    kind = forms.ChoiceField(choices=Post.Kind.choices, initial=Post.Kind.UPDATE)
    body = forms.CharField(
        max_length=MAX_BODY_CHARS, required=False, help_text=MARKUP_HELP,
        widget=forms.Textarea(attrs={"rows": 7}),
    )
    authors = AuthorsField(
        queryset=newsroom_members(), required=False, widget=forms.CheckboxSelectMultiple,
        help_text="The byline, in this order. Nobody ticked: you.",
    )
    scheduled_for = local_datetime_field(
        "Publish at", "Optional: leave empty and press Publish, or pick a time and press Schedule."
    )
    intent = forms.ChoiceField(
        choices=[("draft", "Save draft"), ("publish", "Publish"), ("schedule", "Schedule")],
        initial="draft", widget=forms.HiddenInput,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["authors"].queryset = newsroom_members()

    def clean(self):
        data = super().clean()
        intent, at = data.get("intent"), data.get("scheduled_for")
        if intent == "schedule" and at is None:
            self.add_error("scheduled_for", "Pick the time to publish at, or press Publish.")
        if intent == "publish" and at is not None:
            self.add_error("scheduled_for", "Clear the time to publish now, or press Schedule.")
        return data


class ComposeForm(PostForm):
    """A new post, with an optional picture."""

    image = forms.ImageField(required=False, help_text="JPEG, PNG, GIF or WebP, up to 8 MB.")
    image_alt_text = forms.CharField(
        label="Alt text", max_length=300, required=False,
        help_text="What the picture shows, for readers who cannot see it. Required with a picture.",
    )
    image_caption = forms.CharField(label="Caption", max_length=300, required=False)
    image_credit = forms.CharField(label="Credit", max_length=120, required=False)

    def clean_image(self):
        image = self.cleaned_data.get("image")
        if image and image.size > PostImage.MAX_BYTES:
            raise forms.ValidationError(f"Images are limited to {PostImage.MAX_BYTES // (1024 * 1024)} MB.")
        return image

    def clean(self):
        data = super().clean()
        has_image = bool(data.get("image"))
        if has_image and not data.get("image_alt_text"):
            self.add_error("image_alt_text", "Describe the picture for readers who cannot see it.")
        if not has_image and any(data.get(name) for name in ("image_alt_text", "image_caption", "image_credit")):
            self.add_error("image", "Choose the picture this text goes with.")
        return data


class EditForm(PostForm):
    """Changes to an existing post; `version` is the one the journalist started from."""

    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    correction_note = forms.CharField(
        max_length=300, required=False,
        help_text='Shown with the post, e.g. "An earlier version misnamed the Finnish president."',
    )
    intent = forms.ChoiceField(
        choices=[("save", "Save"), ("publish", "Save and publish"), ("schedule", "Save and schedule")],
        initial="save", widget=forms.HiddenInput,
    )


class QuoteForm(forms.Form):
    """Words someone said: an existing speaker (autocomplete) or a new one typed on the spot."""

    speaker = forms.ModelChoiceField(
        queryset=Speaker.objects.all(), required=False,
        widget=AutocompleteSelect(Quote._meta.get_field("speaker"), admin.site),
        help_text="Start typing a name.",
    )
    new_speaker_name = forms.CharField(label="…or a new speaker", max_length=120, required=False)
    new_speaker_role = forms.CharField(label="Role", max_length=120, required=False,
                                       help_text='e.g. "Prime Minister".')
    new_speaker_organisation = forms.CharField(label="Organisation or country", max_length=120, required=False)
    text = forms.CharField(label="Words", max_length=MAX_QUOTE_CHARS, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))
    said_at = local_datetime_field("Said at")
    context = forms.CharField(max_length=200, required=False, help_text='e.g. "told reporters".')

    @property
    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not any(data.get(name) for name in (
            "speaker", "new_speaker_name", "new_speaker_role", "new_speaker_organisation",
            "text", "said_at", "context",
        ))

    def clean(self):
        data = super().clean()
        if self.is_blank:
            return data
        if not data.get("text"):
            self.add_error("text", "Type the words the speaker said.")
        if data.get("speaker") and data.get("new_speaker_name"):
            self.add_error("new_speaker_name", "Choose an existing speaker or type a new one, not both.")
        elif not data.get("speaker") and not data.get("new_speaker_name"):
            self.add_error("speaker", "Choose who said it, or type a new speaker's name.")
        if not data.get("new_speaker_name") and (
            data.get("new_speaker_role") or data.get("new_speaker_organisation")
        ):
            self.add_error("new_speaker_name", "Type the new speaker's name.")
        return data


class BaseQuoteFormSet(forms.BaseFormSet):
    def filled(self) -> list[QuoteForm]:
        """The quote forms the journalist used, in order (call after is_valid)."""
        return [form for form in self.forms if not form.is_blank]


QuoteFormSet = forms.formset_factory(
    QuoteForm, formset=BaseQuoteFormSet, extra=2,
    max_num=MAX_QUOTES_PER_SUBMIT, absolute_max=MAX_QUOTES_PER_SUBMIT, validate_max=True,
)


class QuoteAddForm(QuoteForm):
    """One more quote in an existing post."""

    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if self.is_blank:
            raise forms.ValidationError("Type the words and choose who said them.")
        return data


class ImageAddForm(forms.Form):
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    image = forms.ImageField(help_text="JPEG, PNG, GIF or WebP, up to 8 MB.")
    alt_text = forms.CharField(max_length=300, help_text="What the picture shows, for readers who cannot see it.")
    caption = forms.CharField(max_length=300, required=False)
    credit = forms.CharField(max_length=120, required=False)

    def clean_image(self):
        image = self.cleaned_data["image"]
        if image.size > PostImage.MAX_BYTES:
            raise forms.ValidationError(f"Images are limited to {PostImage.MAX_BYTES // (1024 * 1024)} MB.")
        return image


class VersionForm(forms.Form):
    """A one-click action: the version of the post as the journalist saw it."""

    version = forms.IntegerField(min_value=1)


class RetractForm(VersionForm):
    note = forms.CharField(
        max_length=300, required=False,
        help_text='Optional, shown to readers, e.g. "This post named the wrong minister."',
    )


class EventForm(forms.Form):
    title = forms.CharField(max_length=200)
    standfirst = forms.CharField(max_length=MAX_STANDFIRST_CHARS, required=False,
                                 widget=forms.Textarea(attrs={"rows": 2}))
    status = forms.ChoiceField(choices=Event.Status.choices)
    time_zone = forms.ChoiceField(help_text="Times on the live page are shown in this zone.")
    lead_image = forms.ImageField(
        required=False, label="Lead picture",
        help_text="Shown at the top of the live page and in link previews; 1200 px wide or more suits every network.",
    )
    lead_image_alt = forms.CharField(
        max_length=300, required=False, label="Lead picture alt text",
        help_text="What the picture shows, for readers who cannot see it.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = [(zone, zone) for zone in sorted(zoneinfo.available_timezones())]


class KeyPointsForm(forms.Form):
    points = forms.CharField(
        label="Key points", required=False, max_length=MAX_KEY_POINTS * 402,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=f"One per line, in reading order; at most {MAX_KEY_POINTS}. Saving pushes them to readers.",
    )

    def clean_points(self) -> list[str]:
        points = [line.strip() for line in self.cleaned_data["points"].splitlines() if line.strip()]
        if len(points) > MAX_KEY_POINTS:
            raise forms.ValidationError(f"An event has at most {MAX_KEY_POINTS} key points.")
        too_long = [n for n, point in enumerate(points, 1) if len(point) > 400]
        if too_long:
            raise forms.ValidationError(f"Key point {too_long[0]} is longer than 400 characters.")
        return points
