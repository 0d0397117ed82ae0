"""The labels plugin (being written)."""
