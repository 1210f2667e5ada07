"""Alembic environment shared by every service; the service and URL come from the caller."""

from shared.migrations import run_env

run_env()
