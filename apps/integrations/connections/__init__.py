"""The outside providers a store can connect, and a "test connection" check for each.

Each provider package declares, in its `connection` module
(integrations/<family>/<provider>/connection.py), its credential fields and its
`check_connection(config)`, which calls the provider's cheapest authenticated endpoint;
`registry.PROVIDERS` maps the provider key to its spec. The dashboard asks only the registry.
"""
