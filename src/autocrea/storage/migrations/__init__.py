"""Alembic migrations, run programmatically by `autocrea.storage.migrate` (no alembic.ini)."""
