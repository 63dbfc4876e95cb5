"""egohands.geometry."""
