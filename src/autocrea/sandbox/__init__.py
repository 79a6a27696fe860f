"""Run untrusted generated code: a Sandbox protocol and its implementations."""
