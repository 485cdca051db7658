"""A stand-in for BigCommerce's REST API (Orders V2/V3, Customers, Catalog, Content)."""
