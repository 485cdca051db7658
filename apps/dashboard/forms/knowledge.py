"""FAQ entries and the "which entry answers this?" preview."""

from __future__ import annotations

from django import forms

from apps.dashboard.forms.fields import no_control_characters, single_line

MAX_ANSWER = 4000


class FaqForm(forms.Form):
    title = forms.CharField(
        max_length=200, validators=[no_control_characters, single_line], label="Question"
    )
    body = forms.CharField(
        max_length=MAX_ANSWER,
        widget=forms.Textarea(attrs={"rows": 4}),
        validators=[no_control_characters],
        label="Answer",
        help_text="Plain text. The agent quotes it to customers.",
    )


class PreviewForm(forms.Form):
    q = forms.CharField(max_length=500, label="Customer question")
