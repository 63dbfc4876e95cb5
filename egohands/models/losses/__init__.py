"""egohands.models.losses."""
