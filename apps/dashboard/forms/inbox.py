"""The inbox filters (GET parameters)."""

from __future__ import annotations

from typing import Any

from django import forms

from apps.agent.understanding.types import INTENTS
from apps.conversations.models import Channel, ConversationStatus
from apps.dashboard.selectors.inbox import InboxFilters

ANY = [("", "Any")]


class InboxFilterForm(forms.Form):
    search = forms.CharField(
        required=False,
        max_length=200,
        label="Search",
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "Email, phone, order number or name"}
        ),
    )
    status = forms.ChoiceField(choices=ANY + list(ConversationStatus.choices), required=False)
    intent = forms.ChoiceField(
        choices=ANY + [(i, i.replace("_", " ").capitalize()) for i in INTENTS], required=False
    )
    channel = forms.ChoiceField(choices=ANY + list(Channel.choices), required=False)
    date_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    needs_approval = forms.BooleanField(required=False, label="Needs approval")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        return data

    def filters(self) -> InboxFilters:
        """The valid filters (an invalid one is dropped, and its error shown)."""
        data = self.cleaned_data if self.is_bound else {}
        return InboxFilters(
            status=data.get("status") or "",
            intent=data.get("intent") or "",
            channel=data.get("channel") or "",
            date_from=data.get("date_from") if "date_to" not in self.errors else None,
            date_to=data.get("date_to") if "date_to" not in self.errors else None,
            needs_approval=bool(data.get("needs_approval")),
            search=(data.get("search") or "").strip(),
        )
