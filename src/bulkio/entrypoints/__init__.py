"""Entrypoints: the CLI, the HTTP API and the queue workers. Thin: parse, call, render."""
