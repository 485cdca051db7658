"""Billing through Shopify's Billing API: plans, subscriptions, and per-resolution usage charges.

plans         the plan table (data) and what each plan allows
resolution    what counts as a conversation the AI resolved on its own (billed, and the
              analytics' "resolved by AI")
documents     the GraphQL operations; api: calling them and reading their answers
subscriptions subscribe, confirm on the return URL, apply app_subscriptions/update
usage         the ledger: find resolutions, charge each once (outbox), respect the cap
selectors     reads for pages and other apps: store_has_active_plan, plan_allows, ...
"""
