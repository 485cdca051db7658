"""A test-only URLConf: the app's own URLs plus a stand-in of a helpdesk's OAuth pages
(the consent page a merchant sees, and the token endpoint), served by the live server.
Never part of the production URLs: a test selects it with `settings.ROOT_URLCONF`."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.utils.html import escape
from django.views.decorators.csrf import csrf_exempt

from config.urls import urlpatterns as app_urlpatterns
from standins.helpdesk.standin import StandIn

# The stand-in whose OAuth these pages play, set by the test.
FAKES: dict[str, StandIn] = {}


def authorize(request: HttpRequest, provider: str) -> HttpResponse:
    back = f"{request.GET['redirect_uri']}?" + urlencode(
        {"code": "consented-code", "state": request.GET["state"]}
    )
    denied = f"{request.GET['redirect_uri']}?" + urlencode(
        {"error": "access_denied", "state": request.GET["state"]}
    )
    html = (
        f"<!doctype html><title>{escape(provider)} · authorise</title>"
        f"<h1>Allow Aftersale to use your {escape(provider)} account?</h1>"
        f"<p>client {escape(request.GET.get('client_id', ''))}</p>"
        f'<a href="{escape(back)}">Allow</a> <a href="{escape(denied)}">Deny</a>'
    )
    return HttpResponse(html)


@csrf_exempt
def token(request: HttpRequest, provider: str) -> HttpResponse:
    answer = FAKES[provider].oauth_tokens({k: str(v) for k, v in request.POST.items()})
    return JsonResponse(answer, status=400 if "error" in answer else 200)


urlpatterns = [
    path("test-oauth/<slug:provider>/authorize", authorize),
    path("test-oauth/<slug:provider>/token", token),
    *app_urlpatterns,
]
