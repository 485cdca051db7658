"""Say in one clear line when PostgreSQL or Redis is unreachable, and stop."""

import os
import sys

import psycopg
import redis

database_url = os.environ["DATABASE_URL"]
redis_url = os.environ["REDIS_URL"]
problems = []
try:
    # Connect to the maintenance database: the test database may not exist yet.
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(database_url)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), connect_timeout=3):
        pass
except Exception as exc:  # noqa: BLE001
    problems.append(f"PostgreSQL at {parts.hostname}:{parts.port or 5432} ({type(exc).__name__})")
try:
    redis.Redis.from_url(redis_url, socket_connect_timeout=3).ping()
except Exception as exc:  # noqa: BLE001
    problems.append(f"Redis at {redis_url.split('@')[-1]} ({type(exc).__name__})")
if problems:
    print("Cannot reach " + " and ".join(problems) + ": start them or set DATABASE_URL/REDIS_URL.")
    sys.exit(1)
