"""egohands.models."""
