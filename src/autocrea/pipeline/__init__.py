"""Run one generation: roles as a DAG, each emitting events; no database, no HTTP."""
