"""What a provider declares: its credential fields and how to check them."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field


class ProviderKind:
    HELPDESK = "helpdesk"
    SHIPPING = "shipping"
    PAYMENTS = "payments"
    MESSAGING = "messaging"


KIND_LABELS = {
    ProviderKind.HELPDESK: "Helpdesk",
    ProviderKind.SHIPPING: "Shipping",
    ProviderKind.PAYMENTS: "Payments",
    ProviderKind.MESSAGING: "Messaging",
}


@dataclass(frozen=True)
class CredentialField:
    """One value the merchant enters. `secret` values are never shown again after saving."""

    name: str
    label: str
    help: str = ""
    secret: bool = False
    pattern: str = ""  # a full-match regex the value must satisfy
    pattern_error: str = "This value does not look right."
    max_length: int = 200
    choices: tuple[tuple[str, str], ...] = ()
    required: bool = True
    # Part of where the secrets are sent (a subdomain, a region): changing it means the
    # merchant enters the secrets again, so a stored one never follows it elsewhere.
    destination: bool = False

    def problem(self, value: str) -> str:
        """Why `value` is not acceptable ("" when it is)."""
        if not value:
            return "This field is required." if self.required else ""
        if len(value) > self.max_length:
            return f"Use at most {self.max_length} characters."
        if self.choices and value not in {c for c, _ in self.choices}:
            return "Choose one of the options."
        if self.pattern and not re.fullmatch(self.pattern, value):
            return self.pattern_error
        return ""


@dataclass(frozen=True)
class CheckResult:
    """What a connection check found. `message` is shown to the merchant (never a secret)."""

    ok: bool
    message: str


Config = Mapping[str, str]


@dataclass(frozen=True)
class ProviderSpec:
    key: str
    name: str
    kind: str
    description: str
    fields: tuple[CredentialField, ...]
    check: Callable[[Config], CheckResult]
    docs_url: str
    colour: str = "#303030"
    endpoint: str = ""  # what "test connection" calls, shown on the page
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def secret_fields(self) -> tuple[CredentialField, ...]:
        return tuple(f for f in self.fields if f.secret)

    def destination_changed(self, before: Config, after: Config) -> bool:
        """True when a destination field of a stored config would take another value."""
        return bool(before) and any(
            f.destination and after.get(f.name, "") != before.get(f.name, "") for f in self.fields
        )
