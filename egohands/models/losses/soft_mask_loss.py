"""Hand-mask loss through egohands' soft silhouette renderer (WildHands).

The predicted mesh is rendered as a soft silhouette under the crop camera
(:func:`egohands.rendering.soft_silhouette.soft_silhouette`) and compared
with the sample's ``gt_mask`` on the input crop, so 2D masks supervise the
3D hand. The rendering can be smaller than the crop (CPU cost grows with
the pixel count): ``crop_K`` is rescaled and the mask area-averaged to
``render_size``.
"""
from typing import Optional, Sequence, Union

import torch
import torch.nn.functional as F
from torch import nn

from egohands.geometry.camera import scale_intrinsics
from egohands.registry import MODELS
from egohands.rendering.soft_silhouette import soft_silhouette
from egohands.utils.errors import check_choice

LOSS_TYPES = ('l1', 'bce')


@MODELS.register_module()
class SoftMaskLoss(nn.Module):
    """L1 or BCE between rendered silhouettes and ground-truth hand masks.

    Per sample the loss is the mean over the rendered pixels; samples are
    averaged with ``mask_valid`` as weights (0 when no sample has a mask).

    Args:
        loss_type: ``'l1'`` (the reference code, weight 10) or ``'bce'``
            (the paper).
        render_size: ``(h, w)`` or a side, px, of the rendering; None renders
            at the mask's size.
        sigma: silhouette sharpness, px^2 of the rendering.
        loss_weight: factor of the loss.
    """

    def __init__(self, loss_type: str = 'l1',
                 render_size: Union[int, Sequence[int], None] = None,
                 sigma: float = 0.1, loss_weight: float = 1.0) -> None:
        super().__init__()
        check_choice(type(self).__name__, 'loss_type', loss_type, LOSS_TYPES)
        self.loss_type = loss_type
        if isinstance(render_size, int):
            render_size = (render_size, render_size)
        self.render_size = None if render_size is None else tuple(
            int(v) for v in render_size)
        self.sigma = float(sigma)
        self.loss_weight = loss_weight

    def render(self, vertices: torch.Tensor, faces: torch.Tensor,
               crop_K: torch.Tensor, mask_hw: Sequence[int]) -> torch.Tensor:
        """(B, h, w) silhouettes at ``render_size`` of a crop of ``mask_hw``."""
        out_hw = self.render_size or tuple(mask_hw)
        K = scale_intrinsics(crop_K.to(vertices), out_hw[1] / mask_hw[1],
                             out_hw[0] / mask_hw[0])
        return soft_silhouette(vertices, faces, K, out_hw, sigma=self.sigma)

    def forward(self, vertices: torch.Tensor, faces: torch.Tensor,
                crop_K: torch.Tensor, gt_mask: torch.Tensor,
                mask_valid: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Scalar loss.

        Args:
            vertices: (B, V, 3) predicted vertices in the camera frame of the
                input crop (after flips), any length unit (mm in egohands).
            faces: (F, 3) mesh faces.
            crop_K: (B, 3, 3) the samples' ``crop_K``, input px.
            gt_mask: (B, H, W) ``gt_mask`` on the input crop, {0, 1} (uint8
                or float).
            mask_valid: (B,) ``gt_mask_valid`` weights; None = all valid.
        """
        mask_hw = gt_mask.shape[-2:]
        rendered = self.render(vertices, faces, crop_K, mask_hw)
        target = gt_mask.to(rendered.dtype)
        if rendered.shape[-2:] != mask_hw:
            target = F.interpolate(target[:, None], size=rendered.shape[-2:],
                                   mode='area')[:, 0]
        if self.loss_type == 'l1':
            per_pixel = (rendered - target).abs()
        else:
            per_pixel = F.binary_cross_entropy(
                rendered.clamp(1e-6, 1 - 1e-6), target, reduction='none')
        per_sample = per_pixel.flatten(1).mean(1)
        if mask_valid is None:
            mask_valid = torch.ones_like(per_sample)
        weight = mask_valid.to(per_sample).flatten()
        loss = (per_sample * weight).sum() / weight.sum().clamp_min(1.0)
        return self.loss_weight * loss
