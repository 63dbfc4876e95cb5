"""Backbones: images -> tuples of feature maps."""
from egohands.models.backbones.simple_cnn import SimpleCNN
from egohands.models.backbones.vit import ViTBackbone

__all__ = ['SimpleCNN', 'ViTBackbone']
