"""egohands.evaluation.functional."""
