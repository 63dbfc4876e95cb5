"""egohands.models.heads."""
