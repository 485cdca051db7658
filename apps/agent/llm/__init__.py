"""The optional LLM assistant: helps the pipeline understand and phrase, never decides.

Off unless settings.AGENT_LLM_PROVIDER names a provider. Every failure (timeout, HTTP
error, refusal, malformed or ungrounded output) becomes None, so the built-in path answers.
"""
