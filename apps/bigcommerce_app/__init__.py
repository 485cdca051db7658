"""BigCommerce single-click app: install (auth), signed callbacks, uninstall, setup tasks."""
