"""Writes made from the dashboard: settings, knowledge, integrations, conversations, onboarding."""
