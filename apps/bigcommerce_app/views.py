"""GET /bigcommerce/uninstall: BigCommerce says the app was removed (server to server).

`auth`, `load` and `remove_user` open or end dashboard sessions, so they live with the
dashboard (apps/dashboard/views/bigcommerce.py); this one only forgets the store's token.
BigCommerce deletes the app's webhooks and auto_uninstall scripts itself.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from apps.bigcommerce_app.install import uninstall
from apps.bigcommerce_app.signed_payload import SignedPayloadError, verify_signed_payload

logger = logging.getLogger(__name__)


@require_GET
def uninstall_view(request: HttpRequest) -> HttpResponse:
    try:
        payload = verify_signed_payload(request.GET.get("signed_payload_jwt", ""))
    except SignedPayloadError as exc:
        logger.info("bigcommerce uninstall refused: %s", exc)
        return HttpResponse(status=401)
    changed = uninstall(payload)
    logger.info("bigcommerce uninstall store=%s changed=%s", payload.store_hash, changed)
    return HttpResponse(status=204)
