"""A credential form per provider, built from the fields the provider declares."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms

from apps.integrations.connections.base import CredentialField, ProviderSpec


class CredentialForm(forms.Form):
    """The provider's fields; secrets are write-only (never rendered back), and optional when
    one is already stored ("leave blank to keep")."""

    def __init__(
        self,
        *args: Any,
        spec: ProviderSpec,
        configured: bool,
        stored: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.spec = spec
        self.configured = configured
        self.stored = stored or {}  # the saved non-secret values
        for item in spec.fields:
            self.fields[item.name] = self._field(item)

    def _field(self, item: CredentialField) -> forms.Field:
        keep = item.secret and self.configured
        help_text = item.help
        if keep:
            moves = [f.label.lower() for f in self.spec.fields if f.destination]
            help_text = "Leave blank to keep the saved value" + (
                f" (enter it again if you change the {' or '.join(moves)})." if moves else "."
            )
        required = item.required and not keep
        if item.choices:
            return forms.ChoiceField(
                choices=item.choices, label=item.label, help_text=help_text, required=required
            )
        widget: forms.Widget = (
            forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"})
            if item.secret
            else forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"})
        )
        return forms.CharField(
            label=item.label,
            help_text=help_text,
            required=required,
            widget=widget,
            max_length=item.max_length,
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for item in self.spec.fields:
            value = str(data.get(item.name) or "").strip()
            if not value and item.secret and self.configured:
                continue
            problem = item.problem(value)
            if problem and item.name not in self.errors:
                self.add_error(item.name, problem)
            data[item.name] = value
        self._require_secrets_if_moved(data)
        return data

    def _require_secrets_if_moved(self, data: dict[str, Any]) -> None:
        entered = {f.name: str(data.get(f.name) or "") for f in self.spec.fields}
        if not self.spec.destination_changed(self.stored, entered):
            return
        for item in self.spec.secret_fields:
            if not entered[item.name] and item.name not in self.errors:
                self.add_error(
                    item.name,
                    f"Enter it again: you changed where {self.spec.name} is reached, and "
                    "a saved secret is never sent to a new address.",
                )
