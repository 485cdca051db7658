"""Whether a store has an active plan: the one question the onboarding checklist asks billing.

Billing (issue 6 §7) answers it from the store's Shopify app subscription:
apps.shopify_app.billing.selectors.store_has_active_plan (an ACTIVE subscription of an
installed store; the demo store always has one).
"""

from __future__ import annotations

from apps.shopify_app.billing.selectors import store_has_active_plan

__all__ = ["store_has_active_plan"]
