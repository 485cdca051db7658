"""JSON problem responses (RFC 9457) for the chat API: every error is JSON with a clear message."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse

from apps.chat.api.responses import json_response

PROBLEM_CONTENT_TYPE = "application/problem+json"


class ChatProblem(Exception):
    """An error the API answers with `status` and a message the widget can show as is.

    `code` is a stable machine-readable name; `detail` is written for a person.
    """

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.retry_after = retry_after


def problem_response(problem: ChatProblem) -> HttpResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": _TITLES.get(problem.status, "Error"),
        "status": problem.status,
        "code": problem.code,
        "detail": problem.detail,
    }
    if problem.retry_after is not None:
        body["retry_after"] = problem.retry_after
    response = json_response(body, status=problem.status, content_type=PROBLEM_CONTENT_TYPE)
    if problem.retry_after is not None:
        response["Retry-After"] = str(problem.retry_after)
    response["Cache-Control"] = "no-store"
    return response


_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    413: "Request too large",
    415: "Unsupported media type",
    429: "Too many requests",
    500: "Internal error",
    503: "Service unavailable",
}


def not_found(detail: str = "Not found.") -> ChatProblem:
    return ChatProblem(404, "not_found", detail)


def conversation_not_found() -> ChatProblem:
    """One answer for a missing, foreign or badly signed conversation: existence never leaks."""
    return ChatProblem(
        404,
        "conversation_not_found",
        "This conversation could not be found. Please start a new one.",
    )
