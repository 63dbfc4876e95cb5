"""``BaseHandHead``: the head contract of architecture section 3.3.

A head turns backbone/neck features into raw tensors (``forward``), losses
(``loss``) and per-sample predictions (``predict``). Predictions are in the
frame of the *input*: the possibly flipped camera for 3D, input-crop pixels
for 2D. The estimator brings them back to the original image and camera.
"""
from abc import ABCMeta, abstractmethod
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from mmengine.model import BaseModule

from egohands.structures import HandDataSample

Features = Tuple[torch.Tensor, ...]


class BaseHandHead(BaseModule, metaclass=ABCMeta):
    """Abstract head: ``forward``, ``loss`` and ``predict``.

    A head config without ``in_channels`` gets the width of the feature it
    reads, ``out_channels[in_index]`` of the built backbone (or neck), from
    ``TopdownHandEstimator``.
    """

    #: which backbone/neck output the head reads (a head with an
    #: ``in_index`` argument uses it as that argument's default)
    in_index: int = -1

    @abstractmethod
    def forward(self, feats: Features) -> Dict[str, torch.Tensor]:
        """Features (tuple of (B, C, h, w) maps or token tensors) -> dict of
        raw output tensors with a leading batch dimension."""

    @abstractmethod
    def loss(self, feats: Features, data_samples: List[HandDataSample],
             train_cfg: Optional[dict] = None) -> Dict[str, torch.Tensor]:
        """Losses; every key starts with ``loss``."""

    @abstractmethod
    def predict(self, feats: Features, data_samples: List[HandDataSample],
                test_cfg: Optional[dict] = None) -> List[Dict]:
        """One dict of ``pred_*`` fields per sample, in the input frame:
        ``pred_joints_3d`` (K, 3) mm, ``pred_joints_absolute`` bool, and
        optionally ``pred_keypoints_2d`` (K, 2) input-crop px,
        ``pred_joints_3d_std``, ``pred_vertices``, ``pred_mano``, ..."""


def stack_field(data_samples: Sequence[HandDataSample], name: str,
                device: torch.device) -> torch.Tensor:
    """Stack a ground-truth field of every sample into a (B, ...) float
    tensor on ``device``."""
    return torch.stack([
        torch.as_tensor(getattr(sample, name), dtype=torch.float32)
        for sample in data_samples
    ]).to(device)


def encode_ground_truth(codec, data_samples: Sequence[HandDataSample],
                        device: torch.device) -> Dict[str, torch.Tensor]:
    """``codec.encode`` of the samples' ``gt_joints_3d`` (B, K, 3) mm and
    ``gt_joints_valid`` (B, K): ``targets`` and ``target_weights``."""
    return codec.encode(stack_field(data_samples, 'gt_joints_3d', device),
                        stack_field(data_samples, 'gt_joints_valid', device))
