"""Signing in to the dashboard as a WooCommerce store's owner: ask for a link, open it.

The link's GET only shows a button: mail scanners open links to check them, and a GET
that consumed the single-use token would burn it before the merchant clicks. The POST
consumes it and starts a store session (apps.dashboard.store_session).
"""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from apps.core.clients import client_address
from apps.dashboard.store_session import entry_url, start_store_session
from apps.woocommerce_app.signin import SignInError, sign_in_link_use, sign_in_request


class SignInForm(forms.Form):
    email = forms.EmailField(max_length=254, label="Your store's admin email")


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        wait = sign_in_request(
            email=form.cleaned_data["email"], client_address=client_address(request)
        )
        if wait:
            return _page(request, "Too many attempts", f"Try again in {wait} seconds.", 429)
        # The same answer whether or not the address owns a store.
        return _page(
            request,
            "Check your email",
            "If this address belongs to a connected store, a sign-in link is on its way. "
            "It works once, for 15 minutes.",
            200,
        )
    status = 400 if request.method == "POST" else 200
    return render(request, "woocommerce_app/sign_in.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
def sign_in_link(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "GET":
        return render(request, "woocommerce_app/sign_in_confirm.html", {})
    try:
        link = sign_in_link_use(token)
    except SignInError as exc:
        return _page(request, "Cannot sign in", str(exc), 400)
    session = start_store_session(request, None, link.store, user_id=link.email[:64])
    return HttpResponseRedirect(entry_url(session))


def _page(request: HttpRequest, title: str, message: str, status: int) -> HttpResponse:
    return render(
        request, "woocommerce_app/message.html", {"title": title, "message": message}, status=status
    )
