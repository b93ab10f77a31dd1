"""Administration of reference data: list, search, create, edit, deactivate, CSV in and out."""
