"""egohands.engine."""
