"""egohands.models.data_preprocessors."""
