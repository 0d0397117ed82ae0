"""The news plugin (being written)."""
