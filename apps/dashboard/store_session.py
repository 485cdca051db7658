"""Our own dashboard session for merchants who do not come through a Shopify admin.

BigCommerce opens the app inside its control panel after a verified `load` JWT; WooCommerce
merchants sign in on our own page. Either way the dashboard then needs what App Bridge gives
Shopify merchants: a short-lived proof, bound to one store, that every request carries.

It is a signed token, not a cookie. The control panel frames us from another site, and
browsers block or partition third-party cookies in such frames (Safari, Firefox, Chrome's
phase-out), so a `SameSite=None` cookie would fail for many merchants; a cookie would also be
ambient and bring CSRF back, while a token the page sends in `Authorization: Bearer` cannot be
borrowed by another site. The dashboard already works this way (base.html keeps the page's
token, dashboard.js adds it to every htmx request), so both platforms use the same views.

- HS256 with a key derived from SECRET_KEY for this purpose alone, `kid: aftersale-store` in
  the header (routes only, proves nothing), audience `aftersale-dashboard`: it can never pass
  as a Shopify session token or a demo token, nor they as this.
- Claims: `store` (id), `plat` (its platform, checked against the row), `sub` (the platform's
  user), `auth` (when the merchant was verified), `iat`/`nbf`/`exp`, `jti`.
- It lives TOKEN_MINUTES; a request made with a token past half its life gets a fresh one in
  the `X-Aftersale-Session-Token` response header, until MAX_SESSION_HOURS after `auth`, when
  the merchant must open the app again.
- Only installed stores of SESSION_PLATFORMS; Shopify stores keep App Bridge.
- `end_store_session` revokes the presented token; `end_store_sessions` every session of a
  store opened before now (uninstall, a user removed). Revocations live in the cache, for as
  long as a token could.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import jwt
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from apps.stores.models import Platform, Store, StoreStatus

KEY_ID = "aftersale-store"
ISSUER = "aftersale"
AUDIENCE = "aftersale-dashboard"
TOKEN_MINUTES = 15
MAX_SESSION_HOURS = 12
REFRESH_HEADER = "X-Aftersale-Session-Token"
SESSION_PLATFORMS = frozenset({Platform.BIGCOMMERCE, Platform.WOOCOMMERCE})
LEEWAY_SECONDS = 10
BIGCOMMERCE_LOGIN_ORIGIN = "https://login.bigcommerce.com"
_REQUIRED = ("iss", "aud", "sub", "store", "plat", "auth", "iat", "nbf", "exp", "jti")
_MAX_LENGTH = 4096
_MAX_USER_LENGTH = 64


class StoreSessionError(Exception):
    """A store session cannot be started or was not accepted (the message is safe to log)."""


@dataclass(frozen=True)
class StoreSession:
    """What a verified store-session token says. Holds no credential."""

    store_id: int
    platform: str
    user_id: str
    jti: str
    authenticated_at: datetime
    expires_at: datetime


def start_store_session(
    request: HttpRequest,
    response: HttpResponse | None,
    store: Store,
    *,
    user_id: str,
    authenticated_at: datetime | None = None,
) -> str:
    """A new session token for `store` (installed, of a session platform) and `user_id`.

    The token becomes the page's own (`request.page_token`, rendered into base.html), and,
    when `response` is given, is also put in its refresh header. Send a browser to
    `entry_url(token)` to open the dashboard with it.
    """
    _check_store(store)
    if not user_id or len(user_id) > _MAX_USER_LENGTH:
        raise StoreSessionError("a store session needs the platform's user id")
    token = _mint(store, user_id, authenticated_at or datetime.now(tz=UTC))
    request.page_token = token  # type: ignore[attr-defined]
    if response is not None:
        response[REFRESH_HEADER] = token
    return token


def store_from_session(request: HttpRequest) -> Store | None:
    """The store behind the store-session token this request presents, or None.

    The token comes from `Authorization: Bearer`, or `id_token` on a document GET. On success
    `request.store_session` holds the verified StoreSession.
    """
    token = presented_session_token(request)
    if not token:
        return None
    try:
        session, store = verify_store_session(token)
    except StoreSessionError:
        return None
    request.store_session = session  # type: ignore[attr-defined]
    return store


def end_store_session(request: HttpRequest) -> None:
    """Revoke the token this request presents (signing out); nothing when it has none."""
    token = presented_session_token(request)
    try:
        session, _ = verify_store_session(token)
    except StoreSessionError:
        return
    remaining = (session.expires_at - datetime.now(tz=UTC)).total_seconds() + LEEWAY_SECONDS
    cache.set(_revoked_key(session.jti), True, timeout=max(1, int(remaining)))


def end_store_sessions(store: Store) -> None:
    """Revoke every session of `store` started until now (uninstall, a user removed)."""
    timeout = MAX_SESSION_HOURS * 3600 + TOKEN_MINUTES * 60
    cache.set(_not_before_key(store.pk), datetime.now(tz=UTC).timestamp(), timeout=timeout)


def refreshed_token(session: StoreSession) -> str:
    """A fresh token for a session past half its life ("" when not due or past its cap)."""
    now = datetime.now(tz=UTC)
    if session.expires_at - now > timedelta(minutes=TOKEN_MINUTES / 2):
        return ""
    if now >= session.authenticated_at + timedelta(hours=MAX_SESSION_HOURS):
        return ""
    store = Store(pk=session.store_id, platform=session.platform, status=StoreStatus.INSTALLED)
    return _mint(store, session.user_id, session.authenticated_at)


def frame_ancestors_for(store: Store) -> str:
    """Who may frame this store's dashboard ("" = nobody): a BigCommerce store's own
    control panel (store-{hash}.mybigcommerce.com, our Store.domain for that platform, and
    the login host it is reached through); WooCommerce merchants use it unframed."""
    if store.platform == Platform.BIGCOMMERCE and store.domain:
        return f"https://{store.domain} {BIGCOMMERCE_LOGIN_ORIGIN}"
    return ""


def entry_url(token: str, path: str = "") -> str:
    """The dashboard URL a browser is sent to right after a session starts. The token rides
    in the query only for this one document load, as Shopify's own `id_token` does; the
    page then sends it in the Authorization header and never puts it in a link."""
    return (path or reverse("dashboard:home")) + "?" + urlencode({"id_token": token})


def is_store_session_token(token: str) -> bool:
    """Whether the (unverified) header says "store session": only routes, proves nothing."""
    if not token or len(token) > _MAX_LENGTH:
        return False
    try:
        return jwt.get_unverified_header(token).get("kid") == KEY_ID
    except jwt.PyJWTError:
        return False


def presented_session_token(request: HttpRequest) -> str:
    """The store-session token this request carries ("" when none or another kind)."""
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _, value = header.partition(" ")
        token = value.strip() if scheme.lower() == "bearer" else ""
    elif request.method in ("GET", "HEAD"):
        token = request.GET.get("id_token", "")
    else:
        token = ""
    return token if is_store_session_token(token) else ""


def verify_store_session(token: str) -> tuple[StoreSession, Store]:
    """The verified session and its installed store; StoreSessionError on any failure."""
    payload = _decode(token)
    session = _session(payload)
    if session.authenticated_at + timedelta(hours=MAX_SESSION_HOURS) < datetime.now(tz=UTC):
        raise StoreSessionError("store session is past its maximum age")
    if session.expires_at - datetime.fromtimestamp(int(payload["iat"]), tz=UTC) > timedelta(
        minutes=TOKEN_MINUTES, seconds=LEEWAY_SECONDS
    ):
        raise StoreSessionError("store session token lives too long")
    if cache.get(_revoked_key(session.jti)):
        raise StoreSessionError("store session was ended")
    not_before = cache.get(_not_before_key(session.store_id))
    if not_before is not None and session.authenticated_at.timestamp() < float(not_before):
        raise StoreSessionError("store sessions of this store were ended")
    store = Store.objects.filter(pk=session.store_id, platform=session.platform).first()
    if store is None:
        raise StoreSessionError("no store for this session")
    _check_store(store)
    return session, store


def _check_store(store: Store) -> None:
    if store.platform not in SESSION_PLATFORMS:
        raise StoreSessionError(f"{store.platform} stores do not use store sessions")
    if store.status != StoreStatus.INSTALLED:
        raise StoreSessionError("the store is not installed")


def _signing_key() -> bytes:
    secret = settings.SECRET_KEY
    if not secret:
        raise StoreSessionError("SECRET_KEY is not set")
    return hmac.new(secret.encode(), b"aftersale store session v1", hashlib.sha256).digest()


def _mint(store: Store, user_id: str, authenticated_at: datetime) -> str:
    now = datetime.now(tz=UTC)
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": user_id,
        "store": store.pk,
        "plat": str(store.platform),
        # Microseconds, as the per-store not-before is: a session started just after the
        # store's sessions were ended must not round down to before it.
        "auth": round(authenticated_at.timestamp(), 6),
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(minutes=TOKEN_MINUTES),
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, _signing_key(), algorithm="HS256", headers={"kid": KEY_ID})


def _decode(token: str) -> dict[str, Any]:
    if not is_store_session_token(token):
        raise StoreSessionError("not a store session token")
    try:
        return jwt.decode(
            token,
            _signing_key(),
            algorithms=["HS256"],
            audience=AUDIENCE,
            issuer=ISSUER,
            leeway=LEEWAY_SECONDS,
            options={"require": list(_REQUIRED)},
        )
    except jwt.ExpiredSignatureError:
        raise StoreSessionError("store session token expired") from None
    except jwt.PyJWTError:
        raise StoreSessionError("store session token is not valid") from None


def _session(payload: dict[str, Any]) -> StoreSession:
    store_id, platform, user_id, auth = (
        payload["store"],
        payload["plat"],
        payload["sub"],
        payload["auth"],
    )
    if not isinstance(store_id, int) or isinstance(store_id, bool) or store_id <= 0:
        raise StoreSessionError("store session names no store")
    if platform not in SESSION_PLATFORMS or not isinstance(user_id, str) or not user_id:
        raise StoreSessionError("store session claims are not valid")
    if not isinstance(auth, int | float) or isinstance(auth, bool):
        raise StoreSessionError("store session claims are not valid")
    return StoreSession(
        store_id=store_id,
        platform=platform,
        user_id=user_id[:_MAX_USER_LENGTH],
        jti=str(payload["jti"])[:64],
        authenticated_at=datetime.fromtimestamp(auth, tz=UTC),
        expires_at=datetime.fromtimestamp(int(payload["exp"]), tz=UTC),
    )


def _revoked_key(jti: str) -> str:
    return f"store-session:revoked:{jti}"


def _not_before_key(store_id: int) -> str:
    return f"store-session:not-before:{store_id}"
