"""Benchmarks of the worker fleet against a model server: ``python -m benchmarks``.

Not part of the installed package; see docs/performance.md.
"""
