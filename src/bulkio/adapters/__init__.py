"""Adapters: one module per technology, each implementing one or more ports."""
