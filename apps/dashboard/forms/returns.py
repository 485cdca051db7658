"""Return labels and refund release: who pays for the label, when the refund goes out, what
the customer confirms about the items and how to pack them."""

from __future__ import annotations

from django import forms

from apps.dashboard.forms.fields import no_control_characters, single_line
from apps.stores.models import RefundRelease, ReturnLabels, StoreSettings

MAX_CONDITIONS = 5
MAX_CONDITION_LENGTH = 200


class ReturnSettingsForm(forms.Form):
    return_labels = forms.ChoiceField(
        choices=ReturnLabels.choices,
        label="Prepaid return labels",
        help_text="Bought through EasyPost (Integrations) once a return is accepted; "
        "customers see who pays before they confirm.",
    )
    refund_release = forms.ChoiceField(
        choices=RefundRelease.choices,
        label="Release a return's refund",
        help_text="Read from the label's tracking. After inspection, you release it from the "
        "conversation once the items are checked.",
    )
    return_conditions = forms.CharField(
        required=False,
        max_length=MAX_CONDITIONS * (MAX_CONDITION_LENGTH + 1),
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Conditions the customer confirms",
        help_text="One per line, e.g. “the items are unworn”. The customer's yes confirms "
        "them; a no starts nothing.",
    )
    return_packing_instructions = forms.CharField(
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[no_control_characters],
        label="Packing instructions",
        help_text="Sent with the label.",
    )

    def clean_return_conditions(self) -> list[str]:
        raw = str(self.cleaned_data.get("return_conditions") or "")
        conditions: list[str] = []
        for line in (part.strip() for part in raw.splitlines()):
            if not line:
                continue
            no_control_characters(line)
            single_line(line)
            if len(line) > MAX_CONDITION_LENGTH:
                raise forms.ValidationError(
                    f"Keep each condition under {MAX_CONDITION_LENGTH} characters."
                )
            conditions.append(line)
        if len(conditions) > MAX_CONDITIONS:
            raise forms.ValidationError(f"Use at most {MAX_CONDITIONS} conditions.")
        return conditions


def returns_form(rules: StoreSettings) -> ReturnSettingsForm:
    """The form showing the store's current return settings."""
    conditions = rules.return_conditions if isinstance(rules.return_conditions, list) else []
    return ReturnSettingsForm(
        initial={
            "return_labels": rules.return_labels,
            "refund_release": rules.refund_release,
            "return_conditions": "\n".join(str(c) for c in conditions),
            "return_packing_instructions": rules.return_packing_instructions,
        }
    )
