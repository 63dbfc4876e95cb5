"""egohands.datasets.synthetic."""
