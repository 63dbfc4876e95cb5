"""egohands.evaluation.metrics."""
