"""The WSGI entry point: the only module with a module-level app."""

from survey import create_app

app = create_app()
