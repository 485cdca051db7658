"""Stateful stand-ins for outside services, shaped like their documented APIs.

Shared by the test suite and the benchmarks (bench/ never imports from tests/). Nothing here
talks to the network: a stand-in answers respx routes or a local HTTP server.
"""
