"""The role agents. Each is a small unit: its prompt file, its owned files, its settings, its run()."""
