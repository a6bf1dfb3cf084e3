"""Persistence: SQLModel tables, the engine factory, repositories and Alembic migrations.

Nothing here creates an engine at import time; ``bots`` wires one in from the settings.
"""
