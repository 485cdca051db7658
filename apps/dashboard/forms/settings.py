"""The agent and policy settings forms."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import RegexValidator

from apps.agent.understanding.types import INTENTS
from apps.dashboard.forms.fields import no_control_characters, single_line
from apps.stores.models import Store, Tone

LANGUAGES = (
    ("en", "English"),
    ("es", "Spanish"),
    ("fr", "French"),
    ("de", "German"),
    ("pt", "Portuguese"),
    ("it", "Italian"),
    ("nl", "Dutch"),
    ("ru", "Russian"),
    ("el", "Greek"),
    ("he", "Hebrew"),
    ("ar", "Arabic"),
    ("hi", "Hindi"),
    ("th", "Thai"),
    ("ja", "Japanese"),
    ("ko", "Korean"),
    ("zh", "Chinese"),
)
# A greeting or small talk never needs a person by rule.
HANDOFF_INTENTS = tuple(
    (name, name.replace("_", " ").capitalize()) for name in INTENTS if name != "greeting"
)
MAX_TAGS = 50
MAX_TAG_LENGTH = 40
MAX_REFUND_LIMIT = Decimal("100000")

hex_colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a colour like #1a73e8.")


class AgentSettingsForm(forms.Form):
    agent_name = forms.CharField(
        max_length=60, validators=[no_control_characters, single_line], label="Agent name"
    )
    tone = forms.ChoiceField(choices=Tone.choices)
    greeting = forms.CharField(
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        validators=[no_control_characters],
        help_text="The first message customers see when they open the chat.",
    )
    widget_color = forms.CharField(
        max_length=7,
        validators=[hex_colour],
        label="Widget colour",
        widget=forms.TextInput(attrs={"type": "color"}),
    )
    languages = forms.MultipleChoiceField(
        choices=LANGUAGES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Languages the agent answers in. Leave all unticked for English only.",
    )

    def clean_widget_color(self) -> str:
        return str(self.cleaned_data["widget_color"]).lower()


class PolicySettingsForm(forms.Form):
    return_window_days = forms.IntegerField(
        min_value=0, max_value=365, label="Return window (days after delivery)"
    )
    refund_auto_approve_limit = forms.DecimalField(
        min_value=Decimal("0"),
        max_value=MAX_REFUND_LIMIT,
        max_digits=10,
        decimal_places=2,
        label="Refunds up to this amount are approved automatically",
        help_text=(
            "The limit counts everything the agent refunds on one order without your "
            "approval, however it is split: two refunds of $30 on a $50 limit make the "
            "second wait for your approval in Conversations. 0 = always ask."
        ),
    )
    refund_currency = forms.CharField(min_length=3, max_length=3, label="Currency")
    cancellation_window_hours = forms.IntegerField(
        min_value=0, max_value=24 * 30, label="Cancellation window (hours after the order)"
    )
    allow_address_changes = forms.BooleanField(
        required=False, label="Customers may change the shipping address before it ships"
    )
    final_sale_tags = forms.CharField(
        required=False,
        max_length=2000,
        label="Final-sale product tags",
        help_text="Comma-separated. Products with these tags cannot be returned.",
    )
    always_human_intents = forms.MultipleChoiceField(
        choices=HANDOFF_INTENTS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Always hand these requests to a person",
    )
    escalation_email = forms.EmailField(
        required=False,
        max_length=254,
        label="Escalation email",
        help_text="Where hand-overs are sent when no helpdesk is connected.",
    )

    def __init__(self, *args: Any, store: Store, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.store = store

    def clean_refund_currency(self) -> str:
        currency = str(self.cleaned_data["refund_currency"]).strip().upper()
        if currency != self.store.currency.upper():
            raise forms.ValidationError(
                f"Refund limits are in your store's currency, {self.store.currency}."
            )
        return currency

    def clean_final_sale_tags(self) -> list[str]:
        raw = str(self.cleaned_data.get("final_sale_tags") or "")
        no_control_characters(raw)
        tags: list[str] = []
        for tag in (t.strip() for t in raw.split(",")):
            if not tag or tag.lower() in {t.lower() for t in tags}:
                continue
            if len(tag) > MAX_TAG_LENGTH:
                raise forms.ValidationError(f"Tags are at most {MAX_TAG_LENGTH} characters.")
            tags.append(tag)
        if len(tags) > MAX_TAGS:
            raise forms.ValidationError(f"Use at most {MAX_TAGS} tags.")
        return tags
