"""WooCommerce merchants: connecting a store (app authorization), its webhooks and the
order poll that backs them up, and signing in to the dashboard by email link."""
