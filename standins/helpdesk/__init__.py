"""Stateful stand-ins of Gorgias, Zendesk, Front and Intercom, shared by tests and benchmarks.

Each fake answers `httpx.Request`s (mounted with respx in-process) and plays its provider's
webhooks; `server.HelpdeskServer` serves them over real HTTP for a Celery worker or a
benchmark in another process.
"""
