"""``HeatmapLiftingHead``: 2.5D heatmaps, then an MLP that lifts them to 3D.

The integral head (:class:`IntegralPoseHead`) finds each joint in the crop
and its depth relative to the wrist. A small MLP then turns those 63 numbers,
the direction in which the camera sees the crop and the pooled image feature
into wrist-relative 3D joints in the codec's z-scored space
(``RootRelativeJointCodec``). The lifter learns the shape of hands, so its
output stays a plausible hand while the 2D is still rough (a 2.5D skeleton
lifted by geometry alone has bones of any length then), and it uses the 2D
once that is learnt: the two-stage design of 2D-to-3D lifting (Martinez et
al., "A simple yet effective baseline for 3d human pose estimation",
arXiv:1705.03098), trained end to end.
"""
from typing import Dict, List, Optional, Sequence

import torch
from torch import nn

from egohands.codecs.base import BaseJointCodec
from egohands.datasets.metainfo import NUM_JOINTS, WRIST
from egohands.geometry.procrustes import (apply_similarity,
                                          similarity_procrustes)
from egohands.models.heads.base_head import Features, stack_field
from egohands.models.heads.integral_pose_head import IntegralPoseHead
from egohands.registry import MODELS
from egohands.structures import HandDataSample


def crop_view_direction(crop_K: torch.Tensor,
                        input_size: Sequence[int]) -> torch.Tensor:
    """(B, 3) unit ray of the crop's centre in the camera frame."""
    centre = crop_K.new_tensor([(input_size[0] - 1) / 2,
                                (input_size[1] - 1) / 2, 1.0])
    ray = torch.linalg.solve(crop_K, centre.expand(len(crop_K), 3))
    return ray / ray.norm(dim=-1, keepdim=True)


@MODELS.register_module()
class HeatmapLiftingHead(IntegralPoseHead):
    """Integral 2.5D keypoints lifted to 3D by an MLP.

    Args:
        in_channels, keypoint_codec, num_joints, deconv_channels, in_index,
        heatmap_weight, heatmap_sigma, skip_channels: as
            :class:`IntegralPoseHead`
            (``keypoint_codec`` is its ``Pose25DCodec``).
        codec: config of the codec of the lifted 3D joints
            (``RootRelativeJointCodec``).
        lifter_channels: hidden width of the lifting MLP.
        keypoint_weight: weight of the 2.5D keypoint loss.
        grasp_classes: with a positive number, a grasp classifier on the
            pooled feature (WildHands' auxiliary grasp supervision,
            ``gt_grasp``; -1 labels are ignored) whose class probabilities
            also feed the lifter; 0 turns it off.
        grasp_weight: weight of its cross-entropy.
        pa_weight: weight of a Procrustes-aligned joint error (mm) of the
            lifted hand (the alignment is fitted without gradient, so the
            loss teaches the hand's articulation whatever its orientation);
            0 turns it off.
        loss: loss of the lifted joints in codec space (``MPJPELoss``).

    ``forward`` returns ``joints`` (B, K, 3) in the 3D codec's units and
    ``keypoints`` (B, K, 3) = (u, v, dz) in ``keypoint_codec`` units, plus
    the raw maps.
    """

    def __init__(self,
                 in_channels: int,
                 codec: dict,
                 keypoint_codec: dict,
                 num_joints: int = NUM_JOINTS,
                 deconv_channels: Sequence[int] = (128, 64),
                 in_index: int = -1,
                 lifter_channels: int = 512,
                 keypoint_weight: float = 1.0,
                 grasp_classes: int = 0,
                 grasp_weight: float = 0.1,
                 pa_weight: float = 0.0,
                 heatmap_weight: float = 0.1,
                 heatmap_sigma: float = 1.5,
                 skip_channels: Sequence[int] = (),
                 loss: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(in_channels, keypoint_codec, num_joints=num_joints,
                         deconv_channels=deconv_channels, in_index=in_index,
                         heatmap_weight=heatmap_weight,
                         skip_channels=skip_channels,
                         heatmap_sigma=heatmap_sigma, init_cfg=init_cfg)
        self.keypoint_codec = self.codec
        self.codec: BaseJointCodec = MODELS.build(codec)
        self.keypoint_weight = float(keypoint_weight)
        self.grasp_weight = float(grasp_weight)
        self.pa_weight = float(pa_weight)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.grasp = (nn.Linear(in_channels, grasp_classes)
                      if grasp_classes > 0 else None)
        lifter_in = 3 * num_joints + 3 + in_channels + grasp_classes
        self.lifter = nn.Sequential(
            nn.Linear(lifter_in, lifter_channels), nn.LayerNorm(
                lifter_channels), nn.ReLU(inplace=True),
            nn.Linear(lifter_channels, lifter_channels), nn.LayerNorm(
                lifter_channels), nn.ReLU(inplace=True),
            nn.Linear(lifter_channels, 3 * num_joints))
        nn.init.zeros_(self.lifter[-1].weight)
        nn.init.zeros_(self.lifter[-1].bias)
        self.loss_module = MODELS.build(loss or dict(type='MPJPELoss'))

    def forward(self, feats: Features,
                view: Optional[torch.Tensor] = None
                ) -> Dict[str, torch.Tensor]:
        """Features and the crop's view direction ``view`` (B, 3) ->
        ``joints`` (3D codec units), ``keypoints`` (u, v, dz), maps."""
        feature = feats[self.in_index % len(feats)]
        out = super().forward(feats)
        keypoints = out['joints']
        if view is None:
            view = keypoints.new_tensor([0.0, 0.0, 1.0]).expand(
                len(keypoints), 3)
        # 2D about the wrist, so the lifter sees the hand's shape first
        centred = torch.cat([keypoints[..., :2] - keypoints[:, WRIST:WRIST +
                                                            1, :2],
                             keypoints[..., 2:]], dim=-1)
        pooled = self.pool(feature).flatten(1)
        inputs = [4.0 * centred.flatten(1), view, pooled]
        if self.grasp is not None:
            out['grasp_logits'] = self.grasp(pooled)
            inputs.append(out['grasp_logits'].softmax(dim=-1))
        lifted = self.lifter(torch.cat(inputs, dim=1))
        return dict(out, keypoints=keypoints,
                    joints=lifted.view(len(lifted), self.num_joints, 3))

    def _view(self, data_samples: List[HandDataSample],
              device: torch.device):
        crop_K, size = self._camera(data_samples, device)
        return crop_K, size, crop_view_direction(crop_K, size)

    def loss(self, feats: Features, data_samples: List[HandDataSample],
             train_cfg: Optional[dict] = None) -> Dict[str, torch.Tensor]:
        """``loss_joints`` (lifted 3D), ``loss_keypoints`` (2.5D) and, with
        ``heatmap_weight``, ``loss_heatmap``."""
        device = self.maps.weight.device
        crop_K, size, view = self._view(data_samples, device)
        out = self.forward(feats, view)
        joints_3d = stack_field(data_samples, 'gt_joints_3d', device)
        valid = stack_field(data_samples, 'gt_joints_valid', device)
        target_3d = self.codec.encode(joints_3d, valid)
        target_25d = self.keypoint_codec.encode(joints_3d, valid,
                                                crop_K=crop_K,
                                                input_size=size)
        losses = dict(
            loss_joints=self.loss_module(out['joints'],
                                         target_3d['targets'],
                                         target_3d['target_weights']),
            loss_keypoints=self.keypoint_weight * self.loss_module(
                out['keypoints'], target_25d['targets'],
                target_25d['target_weights']))
        if self.heatmap_weight > 0:
            losses['loss_heatmap'] = self.heatmap_loss(
                out['heatmaps'], target_25d['targets'][..., :2],
                target_25d['target_weights'])
        if self.grasp is not None:
            labels = torch.as_tensor([int(getattr(s, 'gt_grasp', -1))
                                      for s in data_samples], device=device)
            losses['loss_grasp'] = self.grasp_weight * (
                nn.functional.cross_entropy(out['grasp_logits'], labels,
                                            ignore_index=-1)
                if (labels >= 0).any() else out['grasp_logits'].sum() * 0)
        if self.pa_weight > 0:
            losses['loss_pa'] = self.pa_weight * self.aligned_error(
                self.codec.decode(out['joints']),
                joints_3d - joints_3d[:, WRIST:WRIST + 1],
                target_3d['target_weights'])
        return losses

    @staticmethod
    def aligned_error(pred: torch.Tensor, target: torch.Tensor,
                      weights: torch.Tensor) -> torch.Tensor:
        """Mean distance (unit of the inputs) between (B, K, 3) ``pred``
        aligned to ``target`` by a similarity fitted without gradient, over
        the joints of weight > 0."""
        with torch.no_grad():
            transform = similarity_procrustes(pred, target,
                                              weights).transform
        distance = (apply_similarity(pred, transform) - target).norm(dim=-1)
        return (distance * weights).sum() / weights.sum().clamp(min=1.0)

    def predict(self, feats: Features, data_samples: List[HandDataSample],
                test_cfg: Optional[dict] = None) -> List[Dict]:
        """Lifted wrist-relative joints (K, 3) mm, input camera frame, and
        the 2D keypoints (K, 2) in input-crop px."""
        crop_K, size, view = self._view(data_samples,
                                        self.maps.weight.device)
        out = self.forward(feats, view)
        joints_3d = self.codec.decode(out['joints'])
        keypoints = out['keypoints'][..., :2] * out['joints'].new_tensor(
            size)
        preds = [dict(pred_joints_3d=hand, pred_joints_absolute=False,
                      pred_keypoints_2d=points)
                 for hand, points in zip(joints_3d, keypoints)]
        if self.grasp is not None:
            for pred, logits in zip(preds, out['grasp_logits']):
                pred['pred_grasp_logits'] = logits
        return preds
