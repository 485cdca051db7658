"""The merchant's embedded admin (/app/): pages, htmx actions, the demo way in.

Layout: views/ (thin, every one a @dashboard_view from auth.py), forms/ (validation),
services/ (writes, audited), selectors/ (reads, store-scoped), rendering.py (render_page and
the navigation), templates/dashboard/ (base.html + partials/), static/dashboard/. The outside
providers a store can connect, and their "test connection" checks, come from
apps.integrations.connections.registry.
"""
