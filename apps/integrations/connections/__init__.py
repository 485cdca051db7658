"""The outside providers a store can connect, and a "test connection" check for each.

One module per provider declares its credential fields and its `check_connection(config)`,
which calls the provider's cheapest authenticated endpoint; `registry.PROVIDERS` maps the
provider key to its spec.
"""
