"""Shopify: the commerce protocol on the GraphQL Admin API."""
