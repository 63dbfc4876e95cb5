"""egohands.rendering."""
