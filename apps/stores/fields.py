"""A model field that only ever writes ciphertext, and reads back a `Secret`."""

from __future__ import annotations

from typing import Any

from django.db import models

from apps.stores import crypto


class Secret:
    """A decrypted credential that will not print itself.

    `str()`, `repr()`, f-strings, templates and `%s` in log calls all show a mask;
    only `.reveal()` gives the value, so every use of a plaintext is explicit.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __str__(self) -> str:
        return "********"

    __repr__ = __str__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)

    def __reduce__(self) -> Any:
        raise TypeError("Secret values must not be pickled or serialised")


class EncryptedTextField(models.TextField):
    """Stores MultiFernet ciphertext; Python side is `Secret | None`.

    Assign a plain `str` or a `Secret`; empty strings are stored as NULL.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Secret | None:
        if value is None:
            return None
        return Secret(crypto.decrypt(value))

    def to_python(self, value: Any) -> Secret | None:
        if value is None or isinstance(value, Secret):
            return value
        return Secret(str(value)) if value != "" else None

    def get_prep_value(self, value: Any) -> str | None:
        if value is None or value == "":
            return None
        plaintext = value.reveal() if isinstance(value, Secret) else str(value)
        if not plaintext:
            return None
        return crypto.encrypt(plaintext)

    def value_to_string(self, obj: models.Model) -> str:
        # Serialisers (dumpdata, admin history) never see the plaintext.
        return "********" if self.value_from_object(obj) else ""
