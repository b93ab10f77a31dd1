"""Public pages that are not part of a survey: the home page and health check."""
