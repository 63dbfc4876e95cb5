"""egohands.datasets.transforms."""
