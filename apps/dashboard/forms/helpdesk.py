"""The helpdesk and team-hours settings form."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from apps.dashboard.forms.fields import no_control_characters, single_line
from apps.helpdesk.assignees import Choice
from apps.helpdesk.models import AiRepliesAs, AssigneeTo, TicketsFor
from apps.helpdesk.preferences import MAX_TAGS, tag_name

WEEKDAYS = (
    ("1", "Mon"),
    ("2", "Tue"),
    ("3", "Wed"),
    ("4", "Thu"),
    ("5", "Fri"),
    ("6", "Sat"),
    ("7", "Sun"),
)
HELPDESK_FIELDS = (
    "tickets_for",
    "tags",
    "escalation_assignee_kind",
    "escalation_assignee",
    "ai_replies_as",
    "hand_back_tag",
)
# Ids as the helpdesks write them: digits (Gorgias, Zendesk, Intercom), tea_/inb_ (Front).
ASSIGNEE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
KIND_WORDS = {AssigneeTo.USER: "a person", AssigneeTo.TEAM: "a team"}
HOURS_FIELDS = ("team_days", "team_opens_at", "team_closes_at")


class HelpdeskSettingsForm(forms.Form):
    tickets_for = forms.ChoiceField(
        choices=TicketsFor.choices, label="Open a ticket in your helpdesk for"
    )
    tags = forms.CharField(
        required=False,
        max_length=500,
        label="Tags on every ticket",
        help_text='Comma-separated, besides "aftersale" and the request\'s intent.',
    )
    escalation_assignee_kind = forms.ChoiceField(
        choices=AssigneeTo.choices,
        label="Route escalations to",
        help_text="A person (Gorgias user, Zendesk agent, Front teammate, Intercom admin) or a "
        "team (Gorgias team, Zendesk group, Front inbox, Intercom team).",
    )
    escalation_assignee = forms.CharField(
        required=False,
        max_length=64,
        validators=[single_line],
        label="Their id in your helpdesk",
        help_text="Pick from the list your helpdesk gave us, or type the id (Front: tea_… for "
        "a teammate, inb_… for an inbox). Empty: your helpdesk's own routing.",
    )
    ai_replies_as = forms.ChoiceField(
        choices=AiRepliesAs.choices,
        label="The AI's replies appear in the ticket as",
        help_text="Either way the customer already has them: the helpdesk never sends them again.",
    )
    hand_back_tag = forms.CharField(
        required=False,
        max_length=50,
        label="Hand-back tag",
        help_text="Adding this tag to a ticket hands the conversation back to the AI.",
    )
    team_days = forms.MultipleChoiceField(
        choices=WEEKDAYS, widget=forms.CheckboxSelectMultiple, label="Your team works on"
    )
    team_opens_at = forms.TimeField(label="From", widget=forms.TimeInput(attrs={"type": "time"}))
    team_closes_at = forms.TimeField(label="Until", widget=forms.TimeInput(attrs={"type": "time"}))

    def __init__(self, *args: Any, assignees: list[Choice] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # None: the helpdesk's list is not known (yet); any well-formed id is taken.
        self.assignees = assignees
        if assignees:
            self.fields["escalation_assignee"].widget.attrs["list"] = "helpdesk-assignees"

    def assignee_options(self) -> list[tuple[str, str]]:
        """(id, label) for the page's datalist."""
        return [
            (c.id, f"{c.name}: {KIND_WORDS[AssigneeTo(c.kind.value)]} in {c.provider.title()}")
            for c in self.assignees or []
        ]

    def clean_tags(self) -> list[str]:
        raw = str(self.cleaned_data.get("tags") or "")
        no_control_characters(raw)
        tags = list(dict.fromkeys(t for t in (tag_name(p) for p in raw.split(",")) if t))
        if len(tags) > MAX_TAGS:
            raise forms.ValidationError(f"Use at most {MAX_TAGS} tags.")
        return tags

    def clean_escalation_assignee(self) -> str:
        value = str(self.cleaned_data.get("escalation_assignee") or "").strip()
        if value and not ASSIGNEE_ID.fullmatch(value):
            raise forms.ValidationError(
                "Use the id as your helpdesk shows it (letters, digits, _ and -)."
            )
        return value

    def clean_hand_back_tag(self) -> str:
        value = str(self.cleaned_data.get("hand_back_tag") or "")
        no_control_characters(value)
        return tag_name(value)

    def clean_team_days(self) -> str:
        return "".join(sorted(set(self.cleaned_data.get("team_days") or [])))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        opens, closes = data.get("team_opens_at"), data.get("team_closes_at")
        if opens and closes and opens >= closes:
            self.add_error("team_closes_at", "The team must close after it opens.")
        self._check_listed(data)
        return data

    def _check_listed(self, data: dict[str, Any]) -> None:
        """With the helpdesk's list at hand, the id must be one of its people or teams, of
        the kind chosen: a wrong id would leave every escalation unrouted, silently."""
        wanted, kind = data.get("escalation_assignee"), data.get("escalation_assignee_kind")
        if not wanted or not self.assignees or "escalation_assignee" in self.errors:
            return
        kinds = {c.kind.value for c in self.assignees if c.id == wanted}
        if not kinds:
            self.add_error("escalation_assignee", "Your helpdesk lists no one with this id.")
        elif kind not in kinds:
            what = KIND_WORDS[AssigneeTo(kinds.pop())]
            self.add_error("escalation_assignee_kind", f"This id is {what} in your helpdesk.")
