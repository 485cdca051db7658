"""Credentials at rest: MultiFernet over ENCRYPTION_KEYS (first encrypts, all decrypt)."""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class DecryptionError(Exception):
    """A stored secret could not be decrypted with any configured key."""


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("ENCRYPTION_KEYS is empty")
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured("ENCRYPTION_KEYS holds a malformed Fernet key") from exc


def get_fernet() -> MultiFernet:
    return _fernet(tuple(settings.ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    return get_fernet().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    try:
        return get_fernet().decrypt(ciphertext.encode()).decode()
    except InvalidToken:
        # Never echo the ciphertext: the message may reach a log or an error page.
        raise DecryptionError("stored secret cannot be decrypted with ENCRYPTION_KEYS") from None


def rotate(ciphertext: str) -> str:
    """Re-encrypt under the first key; raises DecryptionError if no key fits."""
    try:
        return get_fernet().rotate(ciphertext.encode()).decode()
    except InvalidToken:
        raise DecryptionError("stored secret cannot be decrypted with ENCRYPTION_KEYS") from None
