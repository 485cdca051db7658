"""Reads for the dashboard pages; every one takes the verified store and stays inside it."""
