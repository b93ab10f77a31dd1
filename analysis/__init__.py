"""Design-based estimation of satisfaction indices; a library with no web dependencies.

The public API is listed in `__all__`; the web app and the command line are two callers.
"""

__all__: list[str] = []
