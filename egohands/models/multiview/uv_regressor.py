"""``UVRegressor``: per-view 2D keypoints and relative depths from feat2d.

Jiiov's UV regressor reads the backbone's 2D feature map of each view and
predicts the 2D landmarks of the hand in the crop; the 2D points also feed
Neural Smooth (reprojection term). Here it predicts, per view and joint,
``uv`` in normalised crop units (``(u + 0.5) / S``, 0 to 1 across the
crop) and the depth relative to the wrist along the crop camera's axis,
metres.
"""
from typing import Dict, List, Optional, Tuple

import torch
from torch import nn

from egohands.models.heads.base_head import stack_field
from egohands.registry import MODELS
from egohands.structures import HandDataSample


def pixels_to_unit(uv_px: torch.Tensor, crop_size: float) -> torch.Tensor:
    """Crop px (pixel centres at integers) -> 0..1 across the crop."""
    return (uv_px + 0.5) / crop_size


def unit_to_pixels(uv_unit: torch.Tensor, crop_size: float) -> torch.Tensor:
    """The inverse of :func:`pixels_to_unit`."""
    return uv_unit * crop_size - 0.5


@MODELS.register_module()
class UVRegressor(nn.Module):
    """A 1x1 reduction, then a linear read-out of the flattened map.

    Args:
        in_channels: channels of feat2d.
        feat_size: (h, w) of feat2d.
        hidden_channels: channels after the 1x1 reduction.
        num_joints: K.
        loss_uv, loss_depth: ``MPJPELoss``-like configs (2D error in
            crop units, depth error in metres), or None.
    """

    def __init__(self, in_channels: int, feat_size: Tuple[int, int],
                 hidden_channels: int = 32, num_joints: int = 21,
                 loss_uv: Optional[dict] = dict(type='MPJPELoss'),
                 loss_depth: Optional[dict] = dict(type='MPJPELoss')
                 ) -> None:
        super().__init__()
        self.loss_uv = None if loss_uv is None else MODELS.build(loss_uv)
        self.loss_depth = None if loss_depth is None else MODELS.build(
            loss_depth)
        self.num_joints = num_joints
        self.reduce = nn.Sequential(
            nn.Conv2d(in_channels, hidden_channels, 1), nn.GELU())
        self.readout = nn.Linear(
            hidden_channels * feat_size[0] * feat_size[1], 3 * num_joints)
        nn.init.zeros_(self.readout.weight)
        nn.init.zeros_(self.readout.bias)

    def forward(self, feat2d: torch.Tensor) -> Dict[str, torch.Tensor]:
        """feat2d (M, C, h, w) -> ``uv`` (M, K, 2) in 0..1 (starts at the
        crop centre) and ``depth`` (M, K) metres relative to the wrist."""
        out = self.readout(self.reduce(feat2d).flatten(1))
        out = out.reshape(-1, self.num_joints, 3)
        return dict(uv=0.5 + out[..., :2], depth=out[..., 2])

    def loss(self, outputs: Dict[str, torch.Tensor],
             data_samples: List[HandDataSample]) -> Dict[str, torch.Tensor]:
        """Losses of ``outputs`` (uv (B N, K, 2), depth (B N, K)) against
        ``gt_view_keypoints_2d`` / ``gt_view_joints_3d`` of the present
        views (``view_mask``)."""
        device = outputs['uv'].device
        size = float(data_samples[0].input_size[0])
        mask = torch.stack([torch.as_tensor(s.view_mask, dtype=torch.float32)
                            for s in data_samples]).to(device)
        valid = stack_field(data_samples, 'gt_view_keypoints_2d_valid',
                            device) * mask[..., None]
        valid = valid.flatten(0, 1)
        losses = {}
        if self.loss_uv is not None:
            target = pixels_to_unit(stack_field(
                data_samples, 'gt_view_keypoints_2d', device), size)
            losses['loss_uv'] = self.loss_uv(outputs['uv'],
                                              target.flatten(0, 1), valid)
        if self.loss_depth is not None:
            joints = stack_field(data_samples, 'gt_view_joints_3d',
                                 device).flatten(0, 1) / 1000.0
            depth = joints[..., 2] - joints[:, :1, 2]
            losses['loss_depth'] = self.loss_depth(
                outputs['depth'][..., None], depth[..., None],
                valid * valid[:, :1])
        return losses
