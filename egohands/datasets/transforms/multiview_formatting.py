"""``PackMultiViewInputs``: a multi-view sample -> model input.

Returns ``{'inputs': uint8 tensor (N, 3, S, S) BGR, 'data_samples':
HandDataSample}``; ``MultiViewDataPreprocessor`` stacks a batch into
(B, N, 3, S, S). Fields (mm unless said otherwise; N views, 21 joints):

metainfo (numpy): ``view_mask`` (N,), ``crop_K`` (N, 3, 3),
``T_ref_from_crop`` (N, 4, 4) metres (possibly noised), ``T_world_from_ref``
(4, 4) mm, ``reference_view``, ``view_ids``, ``img_paths``, ``input_size``,
``hand_side``, ids;

ground truth (tensors): ``gt_joints_3d`` (21, 3) reference camera frame,
``gt_joints_valid`` (21,), ``gt_view_keypoints_2d`` (N, 21, 2) crop px,
``gt_view_keypoints_2d_valid`` (N, 21) (zero for masked views),
``gt_view_joints_3d`` (N, 21, 3) each crop camera's frame,
``gt_mano_betas`` (10,), ``gt_mano_valid`` ().
"""
from __future__ import annotations

from typing import Dict

import numpy as np
import torch
from mmcv.transforms import BaseTransform

from egohands.datasets.transforms.formatting import \
    share_through_files_in_workers
from egohands.registry import TRANSFORMS
from egohands.structures import HandDataSample

META_KEYS = ('view_mask', 'crop_K', 'T_ref_from_crop', 'T_world_from_ref',
             'reference_view', 'view_ids', 'img_paths', 'input_size',
             'hand_side', 'img_id', 'ann_id', 'img_path', 'sequence',
             'frame', 'dataset_name', 'sample_idx')

#: sample key -> data-sample field (all float32)
GT_FIELDS = {
    'joints_3d': 'gt_joints_3d',
    'joints_valid': 'gt_joints_valid',
    'view_keypoints_2d': 'gt_view_keypoints_2d',
    'view_keypoints_2d_valid': 'gt_view_keypoints_2d_valid',
    'view_joints_3d': 'gt_view_joints_3d',
    'mano_betas': 'gt_mano_betas',
    'mano_valid': 'gt_mano_valid',
}


@TRANSFORMS.register_module()
class PackMultiViewInputs(BaseTransform):
    """Pack the cropped views and their cameras for the model (must follow
    ``MultiViewPerspectiveCrop``)."""

    def transform(self, results: Dict) -> Dict:
        images = np.asarray(results['img'])
        inputs = torch.from_numpy(
            np.ascontiguousarray(images.transpose(0, 3, 1, 2)))
        sample = HandDataSample()
        results.setdefault('orig_hand_side', results['hand_side'])
        for key in META_KEYS:
            if key in results:
                sample.set_field(results[key], key, field_type='metainfo')
        sample.set_field(results['orig_hand_side'], 'orig_hand_side',
                         field_type='metainfo')
        for key, field in GT_FIELDS.items():
            sample.set_field(torch.from_numpy(
                np.array(results[key], dtype=np.float32)), field)
        share_through_files_in_workers()
        return {'inputs': inputs, 'data_samples': sample}
