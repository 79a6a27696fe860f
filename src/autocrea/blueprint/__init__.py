"""Blueprint: the offline engine. AppSpec -> file tree of a runnable app, and the offline architect
(free-text prompt -> AppSpec) in `architect.py`."""
