"""The education plugin (being written)."""
