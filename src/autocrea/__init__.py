"""AUTOCREA: describe an app, get a working, verified app."""

__version__ = "0.1.0"
