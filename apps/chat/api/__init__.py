"""The storefront chat API: the same endpoints behind the Shopify App Proxy and the widget key."""
