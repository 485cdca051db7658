"""A stand-in for Shopify's GraphQL Admin API: shops with orders, products and policies
(shop, state, build), the queries and mutations the provider sends (graph, search, writes),
bulk operations (bulk), and a respx router over several shops (simulator)."""

VERSION = "2026-10"  # the Admin API version the stand-in answers


def endpoint(domain: str) -> str:
    return f"https://{domain}/admin/api/{VERSION}/graphql.json"
