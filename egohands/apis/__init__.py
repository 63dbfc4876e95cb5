"""egohands.apis."""
