"""The translation plugin (being written)."""
