"""The ads plugin (being written)."""
