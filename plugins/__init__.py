"""Built-in generator plugins. Each is an ordinary plugin module registered through the ``aigc``
entry-point group in pyproject.toml, exactly as a third-party package would be."""
