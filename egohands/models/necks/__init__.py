"""egohands.models.necks."""
