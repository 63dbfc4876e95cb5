"""``PackHandInputs``: the last transform, sample dict -> model input.

Returns ``{'inputs': uint8 tensor (3, h, w) BGR, 'data_samples':
HandDataSample}``. Ground truth becomes torch tensors (``gt_*`` fields of
``egohands/structures/hand_data_sample.py``); everything that describes the
sample (paths, ids, cameras, crop, flip) becomes numpy / python metainfo.
Normalisation and BGR->RGB happen later, in the model's data preprocessor.
In a DataLoader worker the tensors travel through named shared-memory files
(``share_through_files_in_workers``), not one file descriptor each.
"""
from __future__ import annotations

from typing import Dict, Sequence

import numpy as np
import torch
from mmcv.transforms import BaseTransform

from egohands.registry import TRANSFORMS
from egohands.structures import HandDataSample

DEFAULT_META_KEYS = (
    'img_path', 'img_id', 'ann_id', 'img_shape', 'hand_side',
    'orig_hand_side', 'K', 'crop_K', 'crop_from_img', 'input_size', 'bbox',
    'bbox_center', 'bbox_size', 'bbox_rotation', 'aug_rotation', 'flip',
    'dataset_name', 'sequence', 'frame', 'view', 'T_world_from_cam',
    'sample_idx')

#: sample key -> (data-sample field, torch dtype)
GT_FIELDS = {
    'joints_3d': ('gt_joints_3d', torch.float32),
    'joints_valid': ('gt_joints_valid', torch.float32),
    'keypoints_2d': ('gt_keypoints_2d', torch.float32),
    'keypoints_2d_valid': ('gt_keypoints_2d_valid', torch.float32),
    'mano_pose': ('gt_mano_pose', torch.float32),
    'mano_betas': ('gt_mano_betas', torch.float32),
    'mano_transl': ('gt_mano_transl', torch.float32),
    'mano_valid': ('gt_mano_valid', torch.float32),
    'grasp': ('gt_grasp', torch.int64),
    'mask': ('gt_mask', torch.uint8),
    'mask_valid': ('gt_mask_valid', torch.float32),
}
_NUMPY_DTYPES = {torch.float32: np.float32, torch.int64: np.int64,
                 torch.uint8: np.uint8}


def image_to_tensor(img: np.ndarray) -> torch.Tensor:
    """(h, w, 3) or (h, w) uint8 image -> (3, h, w) uint8 tensor."""
    if img.ndim == 2:
        img = np.repeat(img[..., None], 3, axis=-1)
    return torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1)))


def share_through_files_in_workers() -> None:
    """In a DataLoader worker, send tensors through named shared-memory
    files instead of one file descriptor each (torch's default passes every
    storage's descriptor over a socket: ~0.5 ms per storage)."""
    from torch.utils.data import get_worker_info
    if get_worker_info() is not None and \
            torch.multiprocessing.get_sharing_strategy() != 'file_system':
        torch.multiprocessing.set_sharing_strategy('file_system')


@TRANSFORMS.register_module()
class PackHandInputs(BaseTransform):
    """Pack a hand sample for the model.

    Samples that never went through ``TopdownAffine`` (full-image models)
    get the identity crop: ``crop_K = K``, ``crop_from_img = I``,
    ``input_size`` = the image size. ``flip`` defaults to ``'none'`` and
    ``orig_hand_side`` to ``hand_side``.

    Args:
        meta_keys: sample keys copied into the metainfo when present.
    """

    def __init__(self, meta_keys: Sequence[str] = DEFAULT_META_KEYS) -> None:
        self.meta_keys = tuple(meta_keys)

    def transform(self, results: Dict) -> Dict:
        img = results['img']
        if 'crop_K' not in results:  # defaults computed only when missing
            results['crop_K'] = np.asarray(results['K'], np.float32)
        if 'crop_from_img' not in results:
            results['crop_from_img'] = np.eye(3, dtype=np.float32)
        results.setdefault('input_size', (img.shape[1], img.shape[0]))
        results.setdefault('flip', 'none')
        results.setdefault('orig_hand_side', results['hand_side'])
        data_sample = HandDataSample()
        # the values are this sample's own (the dataset hands out copies):
        # set them without set_metainfo's deep copy
        for key in self.meta_keys:
            if key in results:
                data_sample.set_field(results[key], key,
                                      field_type='metainfo')
        for key, (field, dtype) in GT_FIELDS.items():
            if key in results:  # a copy: the tensor must not alias results
                data_sample.set_field(torch.from_numpy(np.array(
                    results[key], dtype=_NUMPY_DTYPES[dtype])), field)
        share_through_files_in_workers()
        return {'inputs': image_to_tensor(img), 'data_samples': data_sample}

    def __repr__(self) -> str:
        return f'{type(self).__name__}(meta_keys={self.meta_keys})'
