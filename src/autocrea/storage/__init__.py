"""Storage: where a project's files live.

paths.py    safe relative paths (`safe_relpath`) and link-proof file I/O under a project root
git.py      `ProjectRepo`: per-project git via pygit2 (commits by role, history, diff, restore)
archive.py  deterministic ZIP export of a file tree or a commit
"""
