"""``LoadImage``: read the full image of a sample (and its hand mask)."""
from __future__ import annotations

from typing import Dict

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from egohands.datasets.rle import decode_rle
from egohands.registry import TRANSFORMS
from egohands.utils.errors import AnnotationError, DatasetNotFoundError


_JPEG_START, _JPEG_END = b'\xff\xd8', b'\xff\xd9'


def read_image(path: str, ann_id='?') -> np.ndarray:
    """Decode ``path`` as BGR uint8 (h, w, 3), refusing damaged files.

    OpenCV returns None for a missing or undecodable file and silently
    returns a half-grey picture for a truncated JPEG; both raise here.

    Raises:
        DatasetNotFoundError: the file does not exist.
        AnnotationError: empty, undecodable, or a JPEG without its
            end-of-image marker (truncated).
    """
    where = f'image {path} (annotation id {ann_id})'
    try:
        with open(path, 'rb') as f:
            data = np.frombuffer(f.read(), np.uint8)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        raise DatasetNotFoundError(
            f'{where} is missing; check data_root / data_prefix[\'img\'] '
            'and the file_name of the image record') from None
    except OSError as err:
        raise DatasetNotFoundError(f'{where} cannot be read: '
                                   f'{err.strerror}') from None
    return decode_image(data, where)


def decode_image(data: np.ndarray, where: str) -> np.ndarray:
    """BGR uint8 image of encoded bytes (uint8 array); ``where`` names
    the image in errors (empty, truncated JPEG, undecodable)."""
    if data.size == 0:
        raise AnnotationError(f'{where} is empty (0 bytes); copy the image '
                              'again')
    # a JPEG ends with FF D9 (some writers append a few padding bytes)
    if data[:2].tobytes() == _JPEG_START and \
            _JPEG_END not in data[-32:].tobytes():
        raise AnnotationError(f'{where} is a truncated JPEG (no end-of-image '
                              'marker); copy the image again')
    img = cv2.imdecode(data, cv2.IMREAD_COLOR)
    if img is None:
        raise AnnotationError(f'{where} cannot be decoded (damaged or not '
                              'an image); copy the image again')
    return img


@TRANSFORMS.register_module()
class LoadImage(BaseTransform):
    """Read ``img_path`` with OpenCV as a BGR uint8 (h, w, 3) ``img``.

    Args:
        with_mask: also decode ``segmentation`` (COCO RLE) into ``mask``,
            (h, w) uint8, and set ``mask_valid`` (1.0, or 0.0 with an empty
            mask when the sample has no segmentation).
        check_shape: compare the image size with the annotation's
            ``img_shape`` and raise :class:`AnnotationError` on a mismatch.

    Raises:
        DatasetNotFoundError: the file is missing.
        AnnotationError: the file is empty, damaged or a truncated JPEG.
    """

    def __init__(self, with_mask: bool = False,
                 check_shape: bool = True) -> None:
        self.with_mask = with_mask
        self.check_shape = check_shape

    def transform(self, results: Dict) -> Dict:
        path = results['img_path']
        img = read_image(path, results.get('ann_id', '?'))
        expected = tuple(results.get('img_shape') or ())
        if self.check_shape and expected and expected != img.shape[:2]:
            raise AnnotationError(
                f'{path}: image is {img.shape[0]}x{img.shape[1]} (h x w) but '
                f"image id {results.get('img_id', '?')} says "
                f'{expected[0]}x{expected[1]}; fix width/height')
        results['img'] = img
        if self.with_mask:
            segmentation = results.get('segmentation')
            if segmentation is None:
                results['mask'] = np.zeros(img.shape[:2], np.uint8)
                results['mask_valid'] = 0.0
            else:
                results['mask'] = decode_rle(segmentation)
                results['mask_valid'] = 1.0
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(with_mask={self.with_mask}, '
                f'check_shape={self.check_shape})')
