"""The wrapper every chat endpoint goes through.

It authenticates the caller (App Proxy signature or widget key), answers CORS preflights,
turns every failure into a JSON problem (never HTML, never an unhandled crash), and adds
a Server-Timing header so the benchmark can read the server's own time.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

import redis.exceptions
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers
from django.views.decorators.csrf import csrf_exempt

from apps.chat.api import cors
from apps.chat.api.auth import Via, authenticate
from apps.chat.api.problems import ChatProblem, problem_response

logger = logging.getLogger(__name__)

Handler = Callable[..., HttpResponse]


def chat_endpoint(*methods: str) -> Callable[[Handler], Callable[..., HttpResponse]]:
    """Wrap `handler(request, client, **url_kwargs)`; the URL conf passes `via`."""

    def decorate(handler: Handler) -> Callable[..., HttpResponse]:
        # CSRF does not apply: no cookie authenticates these requests, the widget key and
        # the conversation token do, and the App Proxy strips cookies anyway.
        @csrf_exempt
        @wraps(handler)
        def view(request: HttpRequest, via: Via, **kwargs: Any) -> HttpResponse:
            started = time.perf_counter()
            response, origin = _dispatch(handler, methods, request, via, kwargs)
            if origin:
                cors.allow_origin(response, origin)
            if via == "widget":
                # Whether CORS headers are present depends on the caller's Origin.
                patch_vary_headers(response, ["Origin"])
            response.headers.setdefault("Cache-Control", "no-store")
            elapsed = (time.perf_counter() - started) * 1000
            response["Server-Timing"] = f"app;dur={elapsed:.1f}"
            return response

        return view

    return decorate


def _dispatch(
    handler: Handler,
    methods: tuple[str, ...],
    request: HttpRequest,
    via: Via,
    kwargs: dict[str, Any],
) -> tuple[HttpResponse, str | None]:
    origin = None
    try:
        if request.method == "OPTIONS" and via == "widget":
            return _preflight(request), None
        if request.method not in methods:
            raise ChatProblem(
                405, "method_not_allowed", f"Use {' or '.join(methods)} for this address."
            )
        client = authenticate(request, via)
        origin = client.cors_origin
        return handler(request, client, **kwargs), origin
    except ChatProblem as problem:
        response = problem_response(problem)
    except (DatabaseError, redis.exceptions.RedisError):
        logger.exception("chat endpoint: storage unavailable")
        response = problem_response(_unavailable())
    except Exception:
        logger.exception("chat endpoint: unexpected error")
        response = problem_response(
            ChatProblem(500, "internal_error", "Something went wrong on our side. Try again.")
        )
    if response.status_code == 405:
        response["Allow"] = ", ".join(methods)
    return response, origin


def _preflight(request: HttpRequest) -> HttpResponse:
    """A CORS preflight: allowed only for the store's own site (see cors.py)."""
    origin = authenticate(request, "widget").cors_origin
    return cors.preflight(origin) if origin else HttpResponse(status=204)


def _unavailable() -> ChatProblem:
    return ChatProblem(
        503,
        "unavailable",
        "Chat is temporarily unavailable. Please try again in a moment.",
        retry_after=5,
    )
