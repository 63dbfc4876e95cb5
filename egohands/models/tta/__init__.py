"""egohands.models.tta."""
