"""egohands.models.backbones."""
