"""Storage: the database and where a project's files live.

db.py       async engines and sessions from a URL (embedded SQLite file or PostgreSQL)
tables.py   SQLAlchemy models of every table
migrate.py  `upgrade(url)`: Alembic migrations (scripts in migrations/) configured in code
paths.py    safe relative paths (`safe_relpath`) and link-proof file I/O under a project root
git.py      `ProjectRepo`: per-project git via pygit2 (commits by role, history, diff, restore)
archive.py  deterministic ZIP export of a file tree or a commit
"""
