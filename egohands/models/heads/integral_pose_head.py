"""``IntegralPoseHead``: 2.5D heatmaps read out by a soft-argmax.

A feature map is upsampled by transposed convolutions to a heatmap and a
depth map per joint. The soft-argmax of a heatmap (its softmax's expected
position) is the joint's position in the input, and the same softmax
weighs the depth map into the joint's depth relative to the wrist (integral
regression: Sun et al., "Integral Human Pose Regression",
arXiv:1711.08229). Both readouts are pixel-aligned, so a small CNN trained
from scratch learns them quickly; ``Pose25DCodec`` lifts them to 3D with the
crop camera.
"""
from typing import Dict, List, Optional, Sequence

import torch
from torch import nn

from egohands.codecs.base import BaseJointCodec
from egohands.datasets.metainfo import NUM_JOINTS
from egohands.models.heads.base_head import (BaseHandHead, Features,
                                             stack_field)
from egohands.registry import MODELS
from egohands.structures import HandDataSample


def cell_centres(size: int, like: torch.Tensor) -> torch.Tensor:
    """(size,) centres ``(i + 0.5) / size`` of a map's cells, as fractions
    of the map, in ``like``'s dtype and device."""
    return (torch.arange(size, dtype=like.dtype, device=like.device) +
            0.5) / size


def soft_argmax(logits: torch.Tensor, values: torch.Tensor):
    """Expected position and value under each map's softmax.

    Args:
        logits: (B, K, H, W) heatmap logits.
        values: (B, K, H, W) a quantity per pixel (e.g. depth).

    Returns:
        ``uv`` (B, K, 2) in fractions of the map's width and height (pixel
        centres at ``(i + 0.5) / W``) and ``value`` (B, K).
    """
    height, width = logits.shape[2:]
    prob = logits.flatten(2).softmax(dim=-1).view_as(logits)
    u = (prob.sum(dim=2) * cell_centres(width, prob)).sum(dim=-1)
    v = (prob.sum(dim=3) * cell_centres(height, prob)).sum(dim=-1)
    value = (prob * values).sum(dim=(2, 3))
    return torch.stack([u, v], dim=-1), value


def gaussian_heatmap_targets(uv: torch.Tensor, height: int, width: int,
                             sigma: float) -> torch.Tensor:
    """(B, K, H, W) Gaussians (summing to 1) centred at ``uv`` (B, K, 2),
    fractions of the map; ``sigma`` in map cells."""
    dx = (cell_centres(width, uv) - uv[..., :1]) * width    # (B, K, W) cells
    dy = (cell_centres(height, uv) - uv[..., 1:]) * height  # (B, K, H)
    maps = torch.exp(-(dy[..., :, None]**2 + dx[..., None, :]**2) /
                     (2 * sigma**2))
    return maps / maps.sum(dim=(2, 3), keepdim=True).clamp(min=1e-12)


@MODELS.register_module()
class IntegralPoseHead(BaseHandHead):
    """Upsampling convs -> per-joint heatmap and depth map -> soft-argmax.

    Args:
        in_channels: C of the feature map read.
        codec: config of the codec owning the target space
            (``Pose25DCodec``).
        num_joints: K.
        deconv_channels: output channels of each 2x transposed convolution
            (each doubles the map's resolution).
        skip_channels: channels of shallower backbone maps, finest last
            (``feats[in_index - 1]``, ``feats[in_index - 2]``, ...), each
            projected by a 1x1 convolution and added after the deconvolution
            that reaches its resolution (U-Net-like skips: fine features
            reach the heatmaps directly, which speeds up learning).
        in_index: which backbone output is read.
        loss: loss on (pred, target, weight) in codec space; default
            ``MPJPELoss`` (Euclidean distance of the (u, v, dz) triples).
        heatmap_weight: weight of an auxiliary cross-entropy between each
            heatmap's softmax and a Gaussian at the true position (it shapes
            the maps early in training, when the soft-argmax alone learns
            slowly); 0 turns it off.
        heatmap_sigma: that Gaussian's standard deviation, heatmap cells.
        init_cfg: mmengine init config.

    ``forward`` returns ``joints`` (B, K, 3) = (u, v, dz) in codec units,
    plus the raw ``heatmaps`` and ``depths`` (B, K, H, W).
    """

    def __init__(self,
                 in_channels: int,
                 codec: dict,
                 num_joints: int = NUM_JOINTS,
                 deconv_channels: Sequence[int] = (128, 64),
                 in_index: int = -1,
                 loss: Optional[dict] = None,
                 heatmap_weight: float = 0.0,
                 skip_channels: Sequence[int] = (),
                 heatmap_sigma: float = 1.5,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.num_joints = num_joints
        self.heatmap_weight = float(heatmap_weight)
        self.heatmap_sigma = float(heatmap_sigma)
        self.in_index = in_index
        if len(skip_channels) > len(deconv_channels):
            raise ValueError('IntegralPoseHead: more skip_channels than '
                             'deconv_channels')
        self.upsample = nn.ModuleList()
        self.skips = nn.ModuleList()
        previous = in_channels
        for index, channels in enumerate(deconv_channels):
            self.upsample.append(nn.Sequential(
                nn.ConvTranspose2d(previous, channels, 4, stride=2,
                                   padding=1, bias=False),
                nn.BatchNorm2d(channels), nn.ReLU(inplace=True)))
            if index < len(skip_channels):
                self.skips.append(nn.Conv2d(skip_channels[index], channels,
                                            1))
            previous = channels
        self.maps = nn.Conv2d(previous, 2 * num_joints, 1)
        nn.init.normal_(self.maps.weight, std=1e-3)
        nn.init.zeros_(self.maps.bias)
        self.codec: BaseJointCodec = MODELS.build(codec)
        self.loss_module = MODELS.build(loss or dict(type='MPJPELoss'))

    def forward(self, feats: Features) -> Dict[str, torch.Tensor]:
        """Features -> ``joints`` (B, K, 3), ``heatmaps``, ``depths``."""
        index = self.in_index % len(feats)
        x = feats[index]
        for level, stage in enumerate(self.upsample):
            x = stage(x)
            if level < len(self.skips):
                x = x + self.skips[level](feats[index - 1 - level])
        maps = self.maps(x)
        heatmaps, depths = maps.split(self.num_joints, dim=1)
        uv, dz = soft_argmax(heatmaps, depths)
        return dict(joints=torch.cat([uv, dz[..., None]], dim=-1),
                    heatmaps=heatmaps, depths=depths)

    @staticmethod
    def _camera(data_samples: List[HandDataSample], device: torch.device):
        """(B, 3, 3) crop intrinsics and the input size (w, h)."""
        crop_K = stack_field(data_samples, 'crop_K', device)
        return crop_K, tuple(data_samples[0].metainfo['input_size'])

    def loss(self, feats: Features, data_samples: List[HandDataSample],
             train_cfg: Optional[dict] = None) -> Dict[str, torch.Tensor]:
        """``loss_joints`` in codec space and, with ``heatmap_weight``,
        ``loss_heatmap`` (joints whose true position lies outside the input
        do not count in it)."""
        out = self.forward(feats)
        pred = out['joints']
        crop_K, size = self._camera(data_samples, pred.device)
        encoded = self.codec.encode(
            stack_field(data_samples, 'gt_joints_3d', pred.device),
            stack_field(data_samples, 'gt_joints_valid', pred.device),
            crop_K=crop_K, input_size=size)
        targets, weights = encoded['targets'], encoded['target_weights']
        losses = dict(loss_joints=self.loss_module(pred, targets, weights))
        if self.heatmap_weight > 0:
            losses['loss_heatmap'] = self.heatmap_loss(
                out['heatmaps'], targets[..., :2], weights)
        return losses

    def heatmap_loss(self, logits: torch.Tensor, uv: torch.Tensor,
                     weights: torch.Tensor) -> torch.Tensor:
        """``heatmap_weight`` times the mean cross-entropy between the
        heatmaps' softmax (B, K, H, W) and Gaussians at the true ``uv``
        (B, K, 2), over valid joints that lie inside the input."""
        inside = ((uv >= 0) & (uv <= 1)).all(dim=-1).to(weights.dtype)
        wanted = gaussian_heatmap_targets(uv, *logits.shape[2:],
                                          self.heatmap_sigma)
        log_prob = logits.flatten(2).log_softmax(dim=-1)
        cross = -(wanted.flatten(2) * log_prob).sum(dim=-1)  # (B, K)
        weight = weights * inside
        return self.heatmap_weight * (cross * weight).sum() / \
            weight.sum().clamp(min=1.0)

    def predict(self, feats: Features, data_samples: List[HandDataSample],
                test_cfg: Optional[dict] = None) -> List[Dict]:
        """Wrist-relative joints (K, 3) mm, input camera frame, and the 2D
        keypoints (K, 2) in input-crop px."""
        joints = self.forward(feats)['joints']
        crop_K, size = self._camera(data_samples, joints.device)
        joints_3d = self.codec.decode(joints, crop_K=crop_K, input_size=size)
        keypoints = joints[..., :2] * joints.new_tensor(size)
        return [dict(pred_joints_3d=hand, pred_joints_absolute=False,
                     pred_keypoints_2d=points)
                for hand, points in zip(joints_3d, keypoints)]
