"""Staff accounts and their roles."""
