"""Agencies, the service fields and services they handle, and their service points."""
