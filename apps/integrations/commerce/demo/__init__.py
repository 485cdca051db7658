"""The demo commerce platform: provider, canonical data and seeding."""

from apps.integrations.commerce.demo.provider import DemoCommerceProvider
from apps.integrations.commerce.demo.seed import seed_demo_store

__all__ = ["DemoCommerceProvider", "seed_demo_store"]
