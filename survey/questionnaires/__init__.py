"""Questionnaires as data: the YAML format, its validation, versions and the CLI."""
