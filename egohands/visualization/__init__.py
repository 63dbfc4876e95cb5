"""egohands.visualization."""
