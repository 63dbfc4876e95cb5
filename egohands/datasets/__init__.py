"""egohands.datasets."""
