"""Decrypted credential configs kept briefly in this process, for hot webhook paths.

An inbound webhook needs the store's secret on every request (Twilio's auth token checks the
signature), and decrypting it (MultiFernet: HMAC + AES, JSON) is a large part of such a request.
The cache key is the credential's id and a digest of its ciphertext as just read from the
database, so any change to the stored config (a new token, a key rotation re-encrypting it) is a
different key and is never served stale; the caller still reads the row on every request, so a
disconnected credential is refused at once. Entries live TTL_SECONDS and the cache is bounded.
Values are never logged; callers get a copy, so nothing they do changes the cached entry.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time

from apps.stores import crypto

TTL_SECONDS = 60.0
MAX_ENTRIES = 1024

_lock = threading.Lock()
_entries: dict[tuple[int, str], tuple[float, dict[str, str]]] = {}


def config_from_plaintext(plaintext: str) -> dict[str, str]:
    """A credential's decrypted JSON as a flat dict of strings ({} for anything else)."""
    loaded = json.loads(plaintext)
    return {str(k): str(v) for k, v in loaded.items()} if isinstance(loaded, dict) else {}


def revealed_config_cached(credential_id: int, sealed: str | None) -> dict[str, str]:
    """The decrypted config of the credential whose stored ciphertext is `sealed`."""
    if not sealed:
        return {}
    key = (credential_id, hashlib.sha256(sealed.encode()).hexdigest())
    now = time.monotonic()
    entry = _entries.get(key)
    if entry is not None and entry[0] > now:
        return dict(entry[1])
    config = config_from_plaintext(crypto.decrypt(sealed))
    with _lock:
        if len(_entries) >= MAX_ENTRIES:
            for stale in [k for k, (expires, _) in _entries.items() if expires <= now]:
                del _entries[stale]
            if len(_entries) >= MAX_ENTRIES:
                _entries.clear()
        _entries[key] = (now + TTL_SECONDS, config)
    return dict(config)


def clear() -> None:
    """Forget every entry (tests; a process that wants to drop its secrets)."""
    with _lock:
        _entries.clear()
