"""Onboarding steps the merchant marks done by hand."""

from __future__ import annotations

from apps.dashboard.models import OnboardingMark
from apps.stores.models import Store


def onboarding_mark_done(*, store: Store, step: str, actor: str) -> OnboardingMark:
    """Record that `step` is done (idempotent: the first mark stays)."""
    mark, _ = OnboardingMark.objects.get_or_create(
        store=store, step=step, defaults={"marked_by": (actor or "unknown")[:64]}
    )
    return mark
