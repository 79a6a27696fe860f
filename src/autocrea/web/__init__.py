"""The HTTP face of AUTOCREA (FastAPI)."""
