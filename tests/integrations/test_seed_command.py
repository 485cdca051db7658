"""`manage.py seed_demo`: seeds (or resets) the demo store and tells a newcomer how to try it."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from apps.orders.models import Order
from apps.stores.models import Platform, Store

pytestmark = pytest.mark.django_db


def _seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def test_it_seeds_and_prints_what_to_try() -> None:
    output = _seed()

    store = Store.objects.get(platform=Platform.DEMO, domain="demo.aftersale.test")
    assert Order.objects.filter(store=store).count() == 12
    assert "demo.aftersale.test" in output
    assert "10 products (22 variants), 12 orders, 4 policies, 5 FAQ entries" in output
    for email, numbers in [
        ("jane@example.com", "#1001 #1002 #1003"),
        ("sam@example.com", "#1004 #1005 #1006"),
        ("priya@example.com", "#1007 #1008 #1009"),
        ("alex@example.com", "#1010 #1011 #1012"),
    ]:
        [row] = [line for line in output.splitlines() if email in line and line.startswith("  ")]
        assert row.endswith(numbers)
    assert "+44 20 7946 0958" in output
    assert "manage.py chat --store demo.aftersale.test" in output


def test_running_it_twice_keeps_one_store() -> None:
    _seed()
    _seed()

    assert Store.objects.filter(platform=Platform.DEMO).count() == 1
    assert Order.objects.count() == 12


def test_another_domain_makes_another_demo_store() -> None:
    output = _seed("--domain", "Sandbox.Aftersale.Test")

    assert Store.objects.get(platform=Platform.DEMO).domain == "sandbox.aftersale.test"
    assert "sandbox.aftersale.test" in output
