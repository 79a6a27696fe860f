"""Pure types and rules: AppSpec, events, naming. No I/O here."""
