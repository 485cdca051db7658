"""What the customer is told about a return before they say yes: the merchant's conditions,
whether a prepaid label follows and who pays for it, and when the refund is released.

Everything here comes from the merchant's settings; a label is promised only when one can
be bought (labels on and the shipping integration connected and set up).
"""

from __future__ import annotations

from apps.agent.replies import fmt_list
from apps.integrations.shipping.setup import return_setup
from apps.stores.models import RefundRelease, ReturnLabels, Store, StoreSettings

MAX_CONDITIONS = 5

RELEASE_WHEN: dict[str, str] = {
    RefundRelease.FIRST_SCAN: "as soon as the carrier scans your parcel",
    RefundRelease.DELIVERED: "once your parcel is delivered to us",
    RefundRelease.INSPECTED: "once our team has checked the returned items",
}


def labels_wanted(store: Store, rules: StoreSettings) -> bool:
    """A prepaid label will be bought for an accepted return."""
    return rules.return_labels != ReturnLabels.OFF and return_setup(store) is not None


def conditions(rules: StoreSettings) -> list[str]:
    given = rules.return_conditions if isinstance(rules.return_conditions, list) else []
    return [str(c).strip().rstrip(".")[:200] for c in given if str(c).strip()][:MAX_CONDITIONS]


def conditions_text(rules: StoreSettings) -> str:
    """ "Please check that: the item is unworn and the tags are attached." or ""."""
    asked = conditions(rules)
    if not asked:
        return ""
    return f"Returns are accepted only if {fmt_list(asked)}. Saying yes confirms that."


def label_terms(rules: StoreSettings) -> str:
    """Who pays for the prepaid label, said before the customer confirms."""
    if rules.return_labels == ReturnLabels.DEDUCTED:
        return "I'll send you a prepaid return label; its cost will be deducted from your refund."
    return "I'll send you a prepaid return label, free of charge."


def refund_when(rules: StoreSettings) -> str:
    return RELEASE_WHEN.get(rules.refund_release, RELEASE_WHEN[RefundRelease.INSPECTED])


def offer_text(store: Store, rules: StoreSettings) -> str:
    """The sentences added to "Shall I start a return ...?" (may be empty)."""
    parts = [conditions_text(rules)]
    if labels_wanted(store, rules):
        parts.append(f"{label_terms(rules)} Your refund is released {refund_when(rules)}.")
    return " ".join(p for p in parts if p)
