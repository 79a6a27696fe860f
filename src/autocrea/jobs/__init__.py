"""Generation jobs: the worker that leases runs, the event sink, the live event bus."""
