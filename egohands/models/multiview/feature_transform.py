"""The feature transform layer (FTL), split into directions and points.

UmeTrack's FTL reads ``3P`` feature channels as ``P h w`` 3-D points (the
first ``P`` channels are ``x``, the next ``P`` are ``y``, the last ``P`` are
``z``) and moves them with a view's 4x4 transform, so that features of
several cameras live in one frame. Jiiov's split keeps two such groups:

* **translation-invariant** features are *directions*: only the linear
  part ``A`` of the transform acts, ``p' = A p`` (shape, pose and global
  orientation do not depend on where the cameras are);
* **translation-variant** features are *points*: ``p' = A p + t`` (the hand
  position).

Each view's transform is ``T_ref_from_crop @ S`` with UmeTrack's intrinsics
normalisation ``S = diag(1, 1, f / f0, 1)`` (``f`` the crop camera's focal
length in px, ``f0 = 200``): the network's features are read as points of a
camera of focal ``f0``, and ``S`` stretches their depth to the real focal
length. Translations are in metres. See docs/multiview.md.
"""
from typing import Tuple

import torch
from torch import nn

from egohands.registry import MODELS

#: UmeTrack's canonical focal length, px
CANONICAL_FOCAL = 200.0


def intrinsics_normalisation(crop_K: torch.Tensor,
                             canonical_focal: float = CANONICAL_FOCAL
                             ) -> torch.Tensor:
    """(..., 4, 4) ``S`` with ``S[2, 2] = fx / canonical_focal`` for
    (..., 3, 3) intrinsics ``crop_K``."""
    scale = torch.eye(4, dtype=crop_K.dtype, device=crop_K.device).expand(
        *crop_K.shape[:-2], 4, 4).clone()
    scale[..., 2, 2] = crop_K[..., 0, 0] / canonical_focal
    return scale


def _as_points(features: torch.Tensor) -> torch.Tensor:
    """(M, 3P, h, w) -> (M, 3, P h w): channel thirds are x, y, z."""
    if features.shape[1] % 3:
        raise ValueError(f'FTL features need a multiple of 3 channels, got '
                         f'{features.shape[1]}')
    return features.reshape(features.shape[0], 3, -1)


def transform_directions(features: torch.Tensor,
                         transforms: torch.Tensor) -> torch.Tensor:
    """(M, 3P, h, w) features moved by the linear part of (M, 4, 4)."""
    moved = transforms[:, :3, :3] @ _as_points(features)
    return moved.reshape(features.shape)


def transform_points(features: torch.Tensor,
                     transforms: torch.Tensor) -> torch.Tensor:
    """(M, 3P, h, w) features moved as points by (M, 4, 4)."""
    moved = transforms[:, :3, :3] @ _as_points(features) + \
        transforms[:, :3, 3:]
    return moved.reshape(features.shape)


def feature_points(features: torch.Tensor) -> torch.Tensor:
    """(M, 3P, h, w) -> (M, P h w, 3): the 3-D points an FTL feature map
    holds, in the order of :func:`transform_points`."""
    return _as_points(features).transpose(1, 2)


@MODELS.register_module()
class SplitFTL(nn.Module):
    """Move invariant features as directions and variant ones as points.

    Args:
        canonical_focal: ``f0`` of the intrinsics normalisation, px.
    """

    def __init__(self, canonical_focal: float = CANONICAL_FOCAL) -> None:
        super().__init__()
        self.canonical_focal = float(canonical_focal)

    def view_transforms(self, T_ref_from_crop: torch.Tensor,
                        crop_K: torch.Tensor) -> torch.Tensor:
        """(M, 4, 4) ``T_ref_from_crop @ S`` (metres)."""
        return T_ref_from_crop @ intrinsics_normalisation(
            crop_K, self.canonical_focal)

    def forward(self, invariant: torch.Tensor, variant: torch.Tensor,
                T_ref_from_crop: torch.Tensor, crop_K: torch.Tensor
                ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Args: invariant (M, 3P, h, w), variant (M, 3Q, h, w) per-view
        features; T_ref_from_crop (M, 4, 4) metres; crop_K (M, 3, 3) px.

        Returns both groups in the reference frame, same shapes.
        """
        transforms = self.view_transforms(T_ref_from_crop, crop_K)
        return (transform_directions(invariant, transforms),
                transform_points(variant, transforms))
