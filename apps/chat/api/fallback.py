"""JSON answers for addresses under the chat prefixes that match no endpoint."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from apps.chat.api.problems import not_found, problem_response


@csrf_exempt
def unknown_endpoint(request: HttpRequest, rest: str = "", **_: object) -> HttpResponse:
    return problem_response(not_found("There is no chat endpoint at this address."))
