"""egohands.models.estimators."""
