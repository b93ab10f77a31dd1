"""The citizen satisfaction survey platform: the Flask application."""

from survey.app import create_app

__all__ = ["create_app"]
