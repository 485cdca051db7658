"""The commerce protocol on the WooCommerce REST API (wc/v3)."""
