"""What CI needs before the tests start; exits non-zero naming each missing part and how to get it."""

from __future__ import annotations

import os
import sys
from urllib.parse import urlsplit

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tests.fixtures.browser_env import missing_browser_parts  # noqa: E402


def postgres_problem(url: str) -> str | None:
    if not url.startswith(("postgres://", "postgresql://")):
        return f"DATABASE_URL must point at PostgreSQL in CI (it is {url!r})"
    import psycopg

    parts = urlsplit(url)
    try:
        # The test database is created by the tests; the server is reached through its maintenance database.
        psycopg.connect(
            host=parts.hostname,
            port=parts.port or 5432,
            user=parts.username,
            password=parts.password,
            dbname="postgres",
            connect_timeout=5,
        ).close()
    except psycopg.Error as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return (
            f"PostgreSQL at {parts.hostname}:{parts.port or 5432} (DATABASE_URL) is unreachable: "
            f"{first_line}; "
            "start it (`service postgresql start`) or set DATABASE_URL to a server that runs"
        )
    return None


def redis_problem(url: str) -> str | None:
    if not url.startswith(("redis://", "rediss://")):
        return f"REDIS_URL must point at Redis in CI (it is {url!r})"
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=5).ping()
    except redis.RedisError as exc:
        return (
            f"Redis at {urlsplit(url).netloc} (REDIS_URL) is unreachable: {exc}; "
            "start it (`service redis-server start`) or set REDIS_URL to a server that runs"
        )
    return None


def main() -> int:
    problems = [f"missing {part}" for part in missing_browser_parts()]
    problems += [p for p in (postgres_problem(os.environ.get("DATABASE_URL", "")),) if p]
    problems += [p for p in (redis_problem(os.environ.get("REDIS_URL", "")),) if p]
    for problem in problems:
        print(f"CI cannot run: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
