"""egohands.models.backbones."""
from egohands.models.backbones.vit import ViTBackbone
