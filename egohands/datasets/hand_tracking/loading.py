"""``LoadTarImage``: read a sample's image out of its sequence tar."""
from __future__ import annotations

from functools import lru_cache
from typing import Dict

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from egohands.registry import TRANSFORMS
from egohands.utils.errors import AnnotationError

from .tars import SequenceTar, split_image_path


@lru_cache(maxsize=64)
def _indexed(tar_path: str) -> SequenceTar:
    return SequenceTar(tar_path)


def read_tar_image(img_path: str) -> np.ndarray:
    """BGR uint8 (h, w, 3) of ``'<tar>::<member>'`` (grey images are
    repeated over the three channels, as ``LoadImage`` does)."""
    tar_path, member = split_image_path(img_path)
    tar = _indexed(tar_path)
    if member not in tar.ranges:
        raise AnnotationError(f'{tar_path}: no member {member}')
    data = np.frombuffer(tar.read_bytes(member), np.uint8)
    img = cv2.imdecode(data, cv2.IMREAD_COLOR)
    if img is None:
        raise AnnotationError(f'{tar_path}: member {member} cannot be '
                              'decoded as an image')
    return img


@TRANSFORMS.register_module()
class LoadTarImage(BaseTransform):
    """Read ``img_path`` = ``<tar>::<member>`` as a BGR uint8 ``img``
    (the samples of ``UmeTrackDataset`` / ``HOT3DClipsDataset``)."""

    def transform(self, results: Dict) -> Dict:
        img = read_tar_image(results['img_path'])
        expected = tuple(results.get('img_shape') or ())
        if expected and expected != img.shape[:2]:
            raise AnnotationError(
                f"{results['img_path']}: image is {img.shape[0]}x"
                f'{img.shape[1]} (h x w) but cameras.json says '
                f'{expected[0]}x{expected[1]}')
        results['img'] = img
        return results
