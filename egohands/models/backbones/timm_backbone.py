"""``TimmBackbone``: any timm model as a feature extractor, by config.

``dict(type='TimmBackbone', model_name='resnet18', out_indices=(3, ))``
builds the timm model with ``features_only=True``; further keyword
arguments go to ``timm.create_model`` (e.g. ``channels`` of a ResNet). timm
is imported when the backbone is built, never when egohands is imported.
"""
from typing import Sequence, Tuple

import torch
from mmengine.model import BaseModule

from egohands.registry import MODELS


@MODELS.register_module()
class TimmBackbone(BaseModule):
    """A timm model's intermediate feature maps.

    Args:
        model_name: timm model name (``timm.list_models()``).
        out_indices: feature levels returned (timm's ``out_indices``).
        pretrained: load timm's pretrained weights (needs network access;
            egohands' configs train from scratch or load converted files).
        init_cfg: mmengine init config.
        **kwargs: passed to ``timm.create_model``.

    Input ``(B, 3, H, W)``; output a tuple of ``(B, C_i, H / s_i, W / s_i)``
    maps with ``C_i = out_channels[i]`` and ``s_i = strides[i]``.
    """

    def __init__(self,
                 model_name: str,
                 out_indices: Sequence[int] = (-1, ),
                 pretrained: bool = False,
                 init_cfg=None,
                 **kwargs) -> None:
        super().__init__(init_cfg=init_cfg)
        import timm
        self.model = timm.create_model(model_name, pretrained=pretrained,
                                       features_only=True,
                                       out_indices=tuple(out_indices),
                                       **kwargs)
        self.out_channels = list(self.model.feature_info.channels())
        self.strides = list(self.model.feature_info.reduction())

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        return tuple(self.model(x))
