"""The merchant's embedded admin (/app/): pages, htmx actions, the demo way in.

Layout: views/ (thin, every one a @dashboard_view from auth.py), forms/ (validation),
services/ (writes, audited), selectors/ (reads, store-scoped), connections/ (one module per
outside provider with its "test connection" check), rendering.py (render_page and the
navigation), templates/dashboard/ (base.html + partials/), static/dashboard/.
"""
