"""egohands.utils."""
