"""egohands.postprocess."""
