"""Backbones: images -> tuples of feature maps."""
from egohands.models.backbones.potter import POTTERBackbone
from egohands.models.backbones.simple_cnn import SimpleCNN
from egohands.models.backbones.timm_backbone import TimmBackbone
from egohands.models.backbones.vit import ViTBackbone
from egohands.models.backbones.vitpose import ViTPoseBackbone

__all__ = [
    'POTTERBackbone',
    'SimpleCNN',
    'TimmBackbone',
    'ViTBackbone',
    'ViTPoseBackbone',
]
