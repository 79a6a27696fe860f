"""Accounts: users, passwords, browser sessions, API tokens, Clerk tokens, users' own model keys."""
