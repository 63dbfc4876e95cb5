"""egohands.evaluation."""
