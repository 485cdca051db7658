"""The demo storefront: a shop page with the chat widget, talking to the demo store.

Served when the demo store has been seeded (`make demo` seeds it), so anyone can try the
agent on a running instance; with DEBUG on and no demo store yet, the page says how to seed
it. Otherwise it does not exist (404). The widget on it uses the /api/chat front door with
the demo store's public widget key, exactly as a non-Shopify storefront would.
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from apps.integrations.commerce.demo.data import DEMO_DOMAIN
from apps.stores.models import Platform, Store, StoreStatus

_PAGES = {"home": "demo/index.html", "help": "demo/help.html"}


def demo_page(request: HttpRequest, page: str) -> HttpResponse:
    store = Store.objects.filter(
        platform=Platform.DEMO, domain=DEMO_DOMAIN, status=StoreStatus.INSTALLED
    ).first()
    if store is None:
        if settings.DEBUG:
            return render(request, "demo/not_seeded.html", status=503)
        raise Http404("no demo store")
    return render(request, _PAGES[page], {"store": store, "page": page})
