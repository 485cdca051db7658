"""What the dashboard has only for the demo store: locally minted session tokens (tokens),
sample conversations answered by the real agent (samples) and past weeks for the analytics
(history). Nothing here serves a real store."""
