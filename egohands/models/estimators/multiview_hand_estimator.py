"""``MultiViewHandEstimator``: N perspective crops of one hand -> MANO.

The Jiiov ECCV'24 multi-view design (docs/multiview.md), as registered
parts::

    views (B, N, 3, S, S) -> backbone (shared) -> feat2d (B N, C, h, w)
        -> UVRegressor: per-view 2D keypoints + relative depth
        -> FeatureLifter: invariant / variant feat3d
        -> SplitFTL (T_ref_from_crop @ S per view): into the reference frame
        -> ConcatViewFusion (invariant, masked views)
        -> MultiViewMANOHead: PCA pose, betas, orientation; position from
           the variant points

A 1-view model is the same model with ``num_views=1``. Predictions are in
the reference camera frame (the sample's first present view), mm, so the
3D metrics of single-view models apply; world-frame MANO parameters in the
toolkit's format are added for submissions.
"""
from typing import Dict, List, Optional

import numpy as np
import torch

from egohands.geometry.rotation import (axis_angle_to_matrix,
                                        matrix_to_axis_angle)
from egohands.models.estimators.base_estimator import BaseHandEstimator
from egohands.models.multiview.mano_pca_head import side_indices
from egohands.models.multiview.uv_regressor import unit_to_pixels
from egohands.registry import MODELS
from egohands.structures import HandDataSample
from egohands.utils.errors import ConfigError


def stack_meta(data_samples: List[HandDataSample], key: str,
               device: torch.device) -> torch.Tensor:
    """Stack a numpy metainfo field of every sample -> (B, ...) float32."""
    return torch.as_tensor(np.stack([np.asarray(s.metainfo[key])
                                     for s in data_samples]),
                           dtype=torch.float32, device=device)


@MODELS.register_module()
class MultiViewHandEstimator(BaseHandEstimator):
    """Args:
        backbone: per-view feature extractor (e.g. ``TimmBackbone`` with a
            Hiera), output ``feat_index`` is feat2d.
        num_views: N view slots.
        crop_size: S, side of the crops (sizes the flattening read-outs).
        uv_regressor, lifter, fusion, head: configs; ``in_channels``,
            ``feat_size``, ``num_views`` and ``variant_points`` are filled
            in from the backbone and the other parts.
        ftl: ``SplitFTL`` config.
        feat_index: which backbone output is feat2d.
        data_preprocessor: usually ``MultiViewDataPreprocessor``.
    """

    def __init__(self, backbone: dict, num_views: int, crop_size: int,
                 uv_regressor: dict, lifter: dict, fusion: dict, head: dict,
                 ftl: dict = dict(type='SplitFTL'), feat_index: int = -1,
                 data_preprocessor: Optional[dict] = None,
                 train_cfg: Optional[dict] = None,
                 test_cfg: Optional[dict] = None, init_cfg=None) -> None:
        super().__init__(data_preprocessor, train_cfg, test_cfg, init_cfg)
        self.backbone = MODELS.build(backbone)
        self.num_views = int(num_views)
        self.feat_index = feat_index
        channels = int(self.backbone.out_channels[feat_index])
        stride = int(self.backbone.strides[feat_index])
        if crop_size % stride:
            raise ConfigError(f'MultiViewHandEstimator: crop_size {crop_size}'
                              f' is not a multiple of the backbone stride '
                              f'{stride}')
        feat_size = (crop_size // stride, crop_size // stride)
        self.uv_regressor = MODELS.build(dict(
            uv_regressor, in_channels=channels, feat_size=feat_size))
        self.lifter = MODELS.build(dict(lifter, in_channels=channels))
        self.ftl = MODELS.build(ftl)
        self.fusion = MODELS.build(dict(
            fusion, num_views=self.num_views,
            in_channels=3 * self.lifter.invariant_points))
        self.head = MODELS.build(dict(
            head, in_channels=self.fusion.blocks[-1].out_channels,
            feat_size=feat_size, num_views=self.num_views,
            variant_points=self.lifter.variant_points))

    def run(self, inputs: torch.Tensor,
            data_samples: List[HandDataSample]) -> Dict[str, torch.Tensor]:
        """(B, N, 3, S, S) -> dict of the head's outputs plus ``uv``
        (B N, K, 2) and ``depth`` (B N, K) of the UV regressor."""
        batch, views = inputs.shape[:2]
        if views != self.num_views:
            raise ConfigError(f'MultiViewHandEstimator: the model has '
                              f'{self.num_views} views, the data {views}; '
                              'set model.num_views to the dataset\'s views')
        device = inputs.device
        feat2d = self.backbone(inputs.flatten(0, 1))[self.feat_index]
        outputs = dict(self.uv_regressor(feat2d))
        invariant, variant = self.lifter(feat2d)
        invariant, variant = self.ftl(
            invariant, variant,
            stack_meta(data_samples, 'T_ref_from_crop', device).flatten(0, 1),
            stack_meta(data_samples, 'crop_K', device).flatten(0, 1))
        mask = stack_meta(data_samples, 'view_mask', device)
        fused = self.fusion(invariant.unflatten(0, (batch, views)), mask)
        outputs.update(self.head(fused, variant.unflatten(0, (batch, views)),
                                 mask, side_indices(data_samples, device)))
        return outputs

    def loss(self, inputs: torch.Tensor,
             data_samples: List[HandDataSample]) -> Dict[str, torch.Tensor]:
        """The MANO head's losses and the UV regressor's."""
        outputs = self.run(inputs, data_samples)
        return dict(self.head.loss(outputs, data_samples),
                    **self.uv_regressor.loss(outputs, data_samples))

    def _forward(self, inputs: torch.Tensor,
                 data_samples: List[HandDataSample]) -> Dict[str, torch.Tensor]:
        return self.run(inputs, data_samples)

    def predict(self, inputs: torch.Tensor,
                data_samples: List[HandDataSample]) -> List[HandDataSample]:
        """Sets ``pred_joints_3d`` (21, 3) mm in the reference frame,
        ``pred_joints_world`` (21, 3) mm, ``pred_view_keypoints_2d``
        (N, 21, 2) crop px, and ``pred_mano``: ``mano_theta`` (15,) PCA,
        ``betas`` (10,), ``global_orient`` (3,) and ``transl`` (3,) metres
        in the reference frame, and the toolkit's ``wrist_xform_world``
        (6,) (axis-angle || metres, world), as the challenge's writer
        reads them."""
        outputs = {k: v.detach().cpu().double()
                   for k, v in self.run(inputs, data_samples).items()}
        size = float(data_samples[0].input_size[0])
        uv = unit_to_pixels(outputs['uv'], size).unflatten(
            0, (len(data_samples), self.num_views))
        for index, sample in enumerate(data_samples):
            world_from_ref = torch.as_tensor(
                np.asarray(sample.T_world_from_ref), dtype=torch.float64)
            joints_mm = outputs['joints'][index] * 1000.0
            world = joints_mm @ world_from_ref[:3, :3].T + \
                world_from_ref[:3, 3]
            sample.set_data(dict(
                pred_joints_3d=joints_mm.float(), pred_joints_absolute=True,
                pred_joints_world=world.float(),
                pred_view_keypoints_2d=uv[index].float(),
                pred_mano=dict(
                    mano_theta=outputs['hand_pose'][index].float(),
                    betas=outputs['betas'][index].float(),
                    global_orient=outputs['global_orient'][index].float(),
                    transl=outputs['transl'][index].float(),
                    wrist_xform_world=self.world_wrist_xform(
                        outputs, index, world_from_ref))))
        return data_samples

    @staticmethod
    def world_wrist_xform(outputs: Dict[str, torch.Tensor], index: int,
                          world_from_ref: torch.Tensor) -> torch.Tensor:
        """(6,) the toolkit's ``wrist_xform`` of one hand in the world.

        A rigid ``(R_w, t_w)`` (metres) maps orientation ``R`` to
        ``R_w R`` and the wrist joint ``J`` to ``R_w J + t_w``; MANO's
        ``transl`` is the wrist minus its root ``J0 = J - transl``.
        """
        rotation = world_from_ref[:3, :3]
        shift = world_from_ref[:3, 3] / 1000.0
        wrist = outputs['wrist'][index]
        root = wrist - outputs['transl'][index]
        orient = rotation @ axis_angle_to_matrix(
            outputs['global_orient'][index])
        transl = rotation @ wrist + shift - root
        return torch.cat([matrix_to_axis_angle(orient), transl]).float()
