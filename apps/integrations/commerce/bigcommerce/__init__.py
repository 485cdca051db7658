"""The commerce protocol on BigCommerce's REST APIs (Orders V2/V3, Catalog, Content)."""
