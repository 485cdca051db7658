"""Dashboard pages and htmx actions. Each view authenticates (@dashboard_view), reads or
calls one service for `request.store`, and renders; another store's object is a 404."""
