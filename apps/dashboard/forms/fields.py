"""Small validators shared by the dashboard's forms."""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError


def no_control_characters(value: str) -> None:
    """Refuse invisible control characters (newlines and tabs are fine in long text)."""
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\r\t" for ch in value):
        raise ValidationError("Remove the invisible control characters from this text.")


def single_line(value: str) -> None:
    if "\n" in value or "\r" in value:
        raise ValidationError("Keep this on one line.")
