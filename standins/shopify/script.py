"""Scripted answers for chosen operations of the stand-in, and the log of every call.

A test that needs Shopify to misbehave in one precise way (a THROTTLED, a userError, a
timeout, the Billing API's answers) scripts that operation; every other operation is still
answered by the stateful shop. An answer is an httpx.Response, the `data` of a successful
answer (a dict), an exception to raise, or a function of the variables giving either of
the first two. Several answers are served in order, the last one repeating.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

Answer = httpx.Response | dict[str, Any] | BaseException | Callable[[dict[str, Any]], Any]


@dataclass
class Call:
    operation: str
    variables: dict[str, Any]
    query: str
    headers: httpx.Headers


class Script:
    def __init__(self) -> None:
        self.answers: dict[str, list[Answer]] = {}
        self.calls: list[Call] = []

    def on(self, operation: str, *answers: Answer | list[Answer]) -> None:
        """Answer `operation` with `answers` from now on (a list may stand for them)."""
        if len(answers) == 1 and isinstance(answers[0], list):
            answers = tuple(answers[0])
        assert answers, "script at least one answer"
        self.answers[operation] = list(answers)  # type: ignore[arg-type]

    def record(self, request: httpx.Request, body: dict[str, Any]) -> Call:
        call = Call(
            operation=str(body.get("operationName") or ""),
            variables=body.get("variables") or {},
            query=str(body.get("query") or ""),
            headers=request.headers,
        )
        self.calls.append(call)
        return call

    def scripted(self, call: Call) -> httpx.Response | dict[str, Any] | None:
        """The scripted answer to `call` (a Response, or the data to wrap), None when the
        operation is not scripted."""
        queue = self.answers.get(call.operation)
        if not queue:
            return None
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(answer, BaseException):
            raise answer
        if callable(answer):
            answer = answer(call.variables)
        if isinstance(answer, httpx.Response):
            # A Response is read once; serve a copy so a repeated answer stays whole.
            return httpx.Response(
                answer.status_code, headers=answer.headers, content=answer.content
            )
        return dict(answer)

    def sent(self, operation: str) -> list[dict[str, Any]]:
        """The variables of every call of `operation`, in order."""
        return [call.variables for call in self.calls if call.operation == operation]

    def ops(self) -> list[str]:
        return [call.operation for call in self.calls]
