"""Test-time augmentation wrappers (mmengine ``BaseTTAModel``)."""
from egohands.models.tta.hand_flip_tta_model import (HandFlipTTAModel,
                                                     flip_tta_pipeline)

__all__ = ['HandFlipTTAModel', 'flip_tta_pipeline']
