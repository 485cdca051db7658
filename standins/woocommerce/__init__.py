"""A stateful stand-in for WooCommerce stores (REST API v3): tests and benchmarks."""

from standins.woocommerce.store import WooStandIn

__all__ = ["WooStandIn"]
