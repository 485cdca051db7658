"""The Django admin: served only when settings.ADMIN_ENABLED, its login throttled.

The admin's login form is the one password prompt on the public internet; when the
admin is off every /admin/ path answers 404 as if it did not exist, and when it is on,
login attempts are limited per client address (settings.ADMIN_LOGIN_RATE_LIMIT).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse

from apps.core.clients import client_address
from apps.core.ratelimit import Rate, seconds_to_wait

logger = logging.getLogger(__name__)

ADMIN_PREFIX = "/admin/"
LOGIN_PATH = "/admin/login/"


class AdminGateMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(ADMIN_PREFIX):
            if not settings.ADMIN_ENABLED:
                raise Http404("not found")
            if request.method == "POST" and request.path == LOGIN_PATH:
                wait = _login_wait(request)
                if wait:
                    return _throttled(wait)
        return self.get_response(request)


def _login_wait(request: HttpRequest) -> int:
    address = client_address(request)
    wait = seconds_to_wait((f"admin-login:{address}", Rate.parse(settings.ADMIN_LOGIN_RATE_LIMIT)))
    if wait:
        logger.warning("admin login throttled for %s", address)
    return wait


def _throttled(wait: int) -> HttpResponse:
    response = HttpResponse(
        f"Too many login attempts. Try again in {wait} seconds.\n",
        status=429,
        content_type="text/plain; charset=utf-8",
    )
    response["Retry-After"] = str(wait)
    return response
