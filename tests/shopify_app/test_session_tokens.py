from __future__ import annotations

import time

import pytest

from apps.shopify_app.session_tokens import (
    SessionTokenError,
    SessionTokenFailure,
    decode_session_token,
)
from tests.shopify_app.conftest import SHOP, make_session_token, unsigned_token

OLD_SECRET = "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"
OTHER_SECRET = "shpss_0123456789abcdef0123456789abcdef"


def _failure(token: str) -> SessionTokenFailure:
    with pytest.raises(SessionTokenError) as caught:
        decode_session_token(token)
    return caught.value.reason


def test_a_valid_token_yields_the_shop_from_dest_and_the_user():
    now = int(time.time())
    claims = decode_session_token(make_session_token(sub="42", jti="j-1", sid="s-1", exp=now + 50))
    assert claims.shop == SHOP
    assert claims.user_id == "42"
    assert claims.session_id == "s-1"
    assert claims.jti == "j-1"
    assert int(claims.expires_at.timestamp()) == now + 50


def test_an_upper_case_shop_host_is_normalised():
    host = SHOP.upper()
    token = make_session_token(iss=f"https://{host}/admin", dest=f"https://{host}")
    assert decode_session_token(token).shop == SHOP


def test_a_token_without_sid_is_accepted_with_an_empty_session_id():
    assert decode_session_token(make_session_token(sid=None)).session_id == ""


def test_an_expired_token_is_refused():
    now = int(time.time())
    assert _failure(make_session_token(exp=now - 11, nbf=now - 70, iat=now - 70)) == "expired"


def test_expiry_within_the_ten_second_leeway_is_accepted():
    now = int(time.time())
    token = make_session_token(exp=now - 5, nbf=now - 65, iat=now - 65)
    assert decode_session_token(token).shop == SHOP


def test_nbf_in_the_future_beyond_the_leeway_is_refused():
    now = int(time.time())
    token = make_session_token(nbf=now + 30, iat=now, exp=now + 90)
    assert _failure(token) == SessionTokenFailure.NOT_YET_VALID


def test_nbf_slightly_in_the_future_is_accepted():
    # App Bridge routinely issues nbf a few seconds ahead of the server's clock.
    now = int(time.time())
    token = make_session_token(nbf=now + 5, iat=now + 5, exp=now + 65)
    assert decode_session_token(token).shop == SHOP


@pytest.mark.parametrize("aud", ["another-apps-key", "list"])
def test_a_token_for_another_audience_is_refused(aud, settings):
    if aud == "list":  # PyJWT alone would accept a list that merely contains our key
        aud = [settings.SHOPIFY_API_KEY, "another-apps-key"]
    assert _failure(make_session_token(aud=aud)) == SessionTokenFailure.AUDIENCE


def test_a_token_signed_with_another_secret_is_refused():
    assert _failure(make_session_token(secret=OTHER_SECRET)) == SessionTokenFailure.SIGNATURE


def test_alg_none_is_refused():
    assert _failure(unsigned_token()) == SessionTokenFailure.ALGORITHM


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
def test_another_hmac_algorithm_is_refused_even_with_our_secret():
    token = make_session_token(algorithm="HS512")
    assert _failure(token) == SessionTokenFailure.ALGORITHM


def test_the_previous_secret_is_accepted_during_a_rotation(settings):
    settings.SHOPIFY_API_SECRET_OLD = OLD_SECRET
    token = make_session_token(secret=OLD_SECRET)
    assert decode_session_token(token).shop == SHOP


def test_the_previous_secret_is_refused_once_the_rotation_is_over(settings):
    settings.SHOPIFY_API_SECRET_OLD = ""
    token = make_session_token(secret=OLD_SECRET)
    assert _failure(token) == SessionTokenFailure.SIGNATURE


@pytest.mark.parametrize(
    ("iss", "dest"),
    [
        pytest.param("https://other.myshopify.com/admin", f"https://{SHOP}", id="iss-other-shop"),
        pytest.param(f"https://{SHOP}/admin", "https://other.myshopify.com", id="dest-other-shop"),
        pytest.param("https://evil.com/admin", "https://evil.com", id="not-a-shop"),
        pytest.param(
            f"https://{SHOP}.evil.com/admin", f"https://{SHOP}.evil.com", id="shop-suffix"
        ),
        pytest.param(f"http://{SHOP}/admin", f"http://{SHOP}", id="plain-http"),
        pytest.param(f"https://{SHOP}:8443/admin", f"https://{SHOP}:8443", id="port"),
        pytest.param(f"https://evil.com@{SHOP}/admin", f"https://evil.com@{SHOP}", id="userinfo"),
        pytest.param(SHOP, SHOP, id="no-scheme"),
        pytest.param(12345, 12345, id="not-a-string"),
    ],
)
def test_iss_and_dest_must_be_the_same_valid_shop(iss, dest):
    assert _failure(make_session_token(iss=iss, dest=dest)) == SessionTokenFailure.ISSUER


@pytest.mark.parametrize("claim", ["iss", "dest", "aud", "sub", "exp", "nbf", "iat", "jti"])
def test_a_token_missing_a_required_claim_is_refused(claim):
    assert _failure(make_session_token(**{claim: None})) == SessionTokenFailure.MISSING_CLAIM


@pytest.mark.parametrize("claim", ["sub", "jti"])
@pytest.mark.parametrize("value", ["", True])
def test_an_empty_or_odd_identity_claim_is_refused(claim, value):
    reason = _failure(make_session_token(**{claim: value}))
    assert reason in (SessionTokenFailure.MISSING_CLAIM, SessionTokenFailure.MALFORMED)


@pytest.mark.parametrize(
    "token", ["", "not-a-jwt", "a.b.c", "x" * 5000], ids=["empty", "garbage", "dots", "huge"]
)
def test_malformed_tokens_are_refused(token):
    assert _failure(token) == SessionTokenFailure.MALFORMED


def test_the_error_message_never_contains_the_token():
    token = make_session_token(secret=OTHER_SECRET)
    with pytest.raises(SessionTokenError) as caught:
        decode_session_token(token)
    assert token not in str(caught.value)
    assert caught.value.__cause__ is None
