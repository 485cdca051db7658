"""/woocommerce/: the sign-up page, WooCommerce's key callback, and where the merchant lands.

Views parse, call one service, and answer. The key callback must answer exactly 200 within
WooCommerce's 60 s or the new keys are deleted, so it only stores (connect.py) and every
call to the store runs afterwards in a task.
"""

from __future__ import annotations

import logging

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.core.clients import client_address
from apps.core.ratelimit import Rate, seconds_to_wait
from apps.core.untrusted_json import InvalidJSON, parse_json
from apps.woocommerce_app.connect import ConnectError, connect_start, key_callback_accept

logger = logging.getLogger(__name__)

CALLBACK_MAX_BYTES = 8 * 1024
CONNECT_RATE = Rate(20, 600)


class ConnectForm(forms.Form):
    store_url = forms.CharField(max_length=300, label="Your store's address")
    email = forms.EmailField(max_length=254, label="Your email (the store's admin address)")


@require_http_methods(["GET", "POST"])
def connect(request: HttpRequest) -> HttpResponse:
    form = ConnectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        wait = seconds_to_wait((f"woo-connect:{client_address(request)}", CONNECT_RATE))
        if wait:
            return _message(request, "Too many attempts", "Try again in a few minutes.", 429)
        try:
            url = connect_start(
                store_url=form.cleaned_data["store_url"], owner_email=form.cleaned_data["email"]
            )
        except ConnectError as exc:
            form.add_error("store_url", str(exc))
        else:
            return HttpResponseRedirect(url)
    status = 400 if request.method == "POST" else 200
    return render(request, "woocommerce_app/connect.html", {"form": form}, status=status)


@csrf_exempt
@require_POST
def callback(request: HttpRequest) -> HttpResponse:
    """WooCommerce's server-side POST of the new keys (unsigned: the state binds it)."""
    if len(request.body) > CALLBACK_MAX_BYTES:
        return _problem(413, "Too large")
    try:
        payload = parse_json(request.body)
        accepted = key_callback_accept(payload)
    except InvalidJSON:
        return _problem(400, "The body is not JSON.")
    except ConnectError as exc:
        logger.info("woocommerce key callback refused: %s", exc)
        return _problem(400, str(exc))
    logger.info("woocommerce store connected store_id=%s", accepted.store.pk)
    return JsonResponse({"status": "connected"})


@require_GET
def returned(request: HttpRequest) -> HttpResponse:
    """Where WooCommerce sends the merchant's browser; its `success` flag is only a hint
    (the keys themselves arrived, or not, at the callback)."""
    if request.GET.get("success") != "1":
        return _message(
            request,
            "Not connected",
            "WooCommerce did not grant access. You can start again whenever you like.",
            200,
        )
    return _message(
        request,
        "Almost there",
        "Your store is connecting. We will email a sign-in link to your store's admin "
        "address in a minute.",
        200,
    )


def _message(request: HttpRequest, title: str, message: str, status: int) -> HttpResponse:
    context = {"title": title, "message": message, "app_url": settings.APP_URL}
    return render(request, "woocommerce_app/message.html", context, status=status)


def _problem(status: int, detail: str) -> JsonResponse:
    return JsonResponse({"title": "Refused", "detail": detail, "status": status}, status=status)
