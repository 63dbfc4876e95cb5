"""Two-hand samples of WildHands: the full frame plus a crop per hand.

For one image of :class:`~egohands.datasets.two_hand_dataset.
TwoHandImageDataset` (``hands = {'right': ..., 'left': ...}``):

* ``TwoHandCrops`` letterboxes the whole image into a centred square
  *frame* of ``frame_size`` px (WildHands: 224) with its intrinsics
  ``frame_K``, maps each hand's 2D keypoints into frame px, and cuts a
  square crop of ``bbox_scale`` (1.5) times the longer box side around each
  hand, resampled to ``crop_size``. A side without a hand gets an empty
  hand (every validity 0, ``hand_present`` False) whose crop is the whole
  frame, as the reference does. Crops are sampled from the original image
  (the reference cuts them from the 224 frame; same geometry, sharper).
* ``PackTwoHandInputs`` packs ``inputs = {'frame', 'right', 'left'}``
  (3, h, w) uint8 tensors and one ``HandDataSample`` per image holding a
  per-hand ``HandDataSample`` per side (fields: the "Two-hand samples"
  section of ``egohands/structures/hand_data_sample.py``).
"""
from __future__ import annotations

from typing import Dict, Optional

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from egohands.datasets.base_dataset import BaseHandDataset
from egohands.datasets.rle import decode_rle
from egohands.datasets.transforms.formatting import (DEFAULT_META_KEYS,
                                                     PackHandInputs,
                                                     image_to_tensor)
from egohands.geometry.affine import (apply_affine_2d, get_affine_matrix,
                                     invert_affine)
from egohands.geometry.camera import crop_intrinsics
from egohands.registry import TRANSFORMS
from egohands.structures import HandDataSample

HAND_SIDES = ('right', 'left')
#: per-hand metainfo of a two-hand sample on top of PackHandInputs' keys
HAND_META_KEYS = DEFAULT_META_KEYS + ('crop_box', 'hand_present',
                                      'hand_crop_K', 'hand_crop_from_img')
FRAME_META_KEYS = ('img_path', 'img_id', 'img_shape', 'K', 'frame_K',
                   'frame_from_img', 'input_size', 'dataset_name',
                   'sequence', 'frame', 'view', 'sample_idx')


def frame_affine(image_size, frame_size: int) -> np.ndarray:
    """(3, 3) full-image px -> frame px: the image scaled to fit a
    ``frame_size`` square, centred (``image_size`` is (h, w))."""
    height, width = image_size
    side = float(max(height, width))
    return get_affine_matrix(
        np.array([(width - 1) / 2, (height - 1) / 2]), np.array([side, side]),
        0.0, (frame_size, frame_size))


def square_box(bbox: np.ndarray, scale: float) -> np.ndarray:
    """(4,) x0, y0, x1, y1 -> (4,) the square of side ``scale`` times the
    longer side, on the same centre."""
    center = (bbox[:2] + bbox[2:]) / 2
    half = scale * float(max(bbox[2] - bbox[0], bbox[3] - bbox[1])) / 2
    return np.concatenate([center - half, center + half])


@TRANSFORMS.register_module()
class TwoHandCrops(BaseTransform):
    """Full frame and one crop per hand (module docstring).

    Reads ``img`` (BGR, from ``LoadImage``), ``img_shape``, ``K`` and
    ``hands``. Writes ``img`` (the frame), ``frame_K``,
    ``frame_from_img``, ``input_size`` (frame), ``crop_imgs`` (side ->
    crop) and completes ``hands`` (both sides) with ``keypoints_2d`` in
    frame px, ``crop_box`` (4,) frame px (the frame positions of the crop's
    corner pixel centres, clipped to the frame: the box of KPE), ``hand_crop_K``, ``hand_crop_from_img``, ``hand_present`` and,
    with ``mask_size``, ``mask`` (frame mask of ``mask_size`` px) and
    ``mask_valid``.

    Args:
        frame_size: side of the full frame, px (224).
        crop_size: side of the hand crops, px (224).
        bbox_scale: crop side over the longer side of the hand box (1.5).
        mask_size: side of the frame-aligned hand masks decoded from the
            hands' ``segmentation``; None: no masks.
    """

    def __init__(self, frame_size: int = 224, crop_size: int = 224,
                 bbox_scale: float = 1.5,
                 mask_size: Optional[int] = None) -> None:
        self.frame_size = int(frame_size)
        self.crop_size = int(crop_size)
        self.bbox_scale = float(bbox_scale)
        self.mask_size = None if mask_size is None else int(mask_size)

    def transform(self, results: Dict) -> Dict:
        image = results['img']
        frame_from_img = frame_affine(image.shape[:2], self.frame_size)
        K = np.asarray(results['K'], np.float64)
        frame_K = crop_intrinsics(K, frame_from_img)
        hands = dict(results.get('hands') or {})
        crops = {}
        for side in HAND_SIDES:
            hand = hands.get(side)
            present = hand is not None
            if not present:
                hand = BaseHandDataset.empty_hand_info()
                hand.update(hand_side=side, img_path=results['img_path'],
                            img_id=results.get('img_id', -1))
            hand = dict(hand)
            if present:
                tight = apply_affine_2d(
                    np.asarray(hand['bbox'], np.float64).reshape(2, 2),
                    frame_from_img).reshape(4)
                box = square_box(tight, self.bbox_scale)
            else:
                box = np.array([-0.5, -0.5, self.frame_size - 0.5,
                                self.frame_size - 0.5])  # the whole frame
            crop_from_frame = get_affine_matrix(
                (box[:2] + box[2:]) / 2, box[2:] - box[:2], 0.0,
                (self.crop_size, self.crop_size))
            crop_from_img = crop_from_frame @ frame_from_img
            crops[side] = cv2.warpAffine(
                image, crop_from_img[:2], (self.crop_size, ) * 2,
                flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
            hand['keypoints_2d'] = apply_affine_2d(
                np.asarray(hand['keypoints_2d'], np.float64),
                frame_from_img).astype(np.float32)
            # where the crop's corner pixel centres are in the frame (the
            # box convention of egohands.models.encodings), clipped
            corners = apply_affine_2d(
                np.array([[0.0, 0.0], [self.crop_size - 1.0] * 2]),
                invert_affine(crop_from_frame)).reshape(4)
            hand['crop_box'] = np.clip(corners, 0, self.frame_size -
                                       1).astype(np.float32)
            hand['hand_crop_from_img'] = crop_from_img.astype(np.float32)
            hand['hand_crop_K'] = crop_intrinsics(K, crop_from_img).astype(
                np.float32)
            hand['hand_present'] = present
            if self.mask_size is not None:
                self._add_mask(hand, frame_from_img)
            hands[side] = hand
        results.update(
            img=cv2.warpAffine(image, frame_from_img[:2],
                               (self.frame_size, ) * 2,
                               flags=cv2.INTER_AREA,
                               borderMode=cv2.BORDER_CONSTANT),
            frame_K=frame_K.astype(np.float32),
            frame_from_img=frame_from_img.astype(np.float32),
            input_size=(self.frame_size, self.frame_size), hands=hands,
            crop_imgs=crops)
        return results

    def _add_mask(self, hand: Dict, frame_from_img: np.ndarray) -> None:
        """``mask`` (mask_size, mask_size) uint8 of the hand in the frame
        (nearest), ``mask_valid`` 1.0, or zeros and 0.0 without a
        segmentation."""
        size = self.mask_size
        segmentation = hand.get('segmentation')
        if segmentation is None:
            hand['mask'] = np.zeros((size, size), np.uint8)
            hand['mask_valid'] = 0.0
            return
        to_mask = np.diag([size / self.frame_size] * 2 + [1.0])
        to_mask[:2, 2] = (size / self.frame_size - 1) / 2  # pixel centres
        hand['mask'] = cv2.warpAffine(
            decode_rle(segmentation), (to_mask @ frame_from_img)[:2],
            (size, size), flags=cv2.INTER_NEAREST,
            borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        hand['mask_valid'] = 1.0

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(frame_size={self.frame_size}, '
                f'crop_size={self.crop_size}, bbox_scale={self.bbox_scale},'
                f' mask_size={self.mask_size})')


@TRANSFORMS.register_module()
class PackTwoHandInputs(BaseTransform):
    """Pack a two-hand sample: ``inputs`` dict of (3, h, w) uint8 tensors
    ``frame``, ``right``, ``left``; ``data_samples`` a ``HandDataSample``
    with the frame metainfo and per-hand samples ``right`` and ``left``
    (whose 2D fields are in frame px: ``crop_K = frame_K``,
    ``crop_from_img = frame_from_img``)."""

    def __init__(self) -> None:
        self.pack_hand = PackHandInputs(meta_keys=HAND_META_KEYS)

    def transform(self, results: Dict) -> Dict:
        sample = HandDataSample(metainfo={
            key: results[key] for key in FRAME_META_KEYS if key in results})
        inputs = {'frame': image_to_tensor(results['img'])}
        shared = dict(K=results['K'], crop_K=results['frame_K'],
                      crop_from_img=results['frame_from_img'],
                      input_size=results['input_size'],
                      img_path=results['img_path'],
                      img_id=results.get('img_id'),
                      dataset_name=results.get('dataset_name'))
        for side in HAND_SIDES:
            hand = dict(results['hands'][side], **shared)
            hand['img'] = results['crop_imgs'][side]
            packed = self.pack_hand.transform(hand)
            inputs[side] = packed['inputs']
            sample.set_field(packed['data_samples'], side)
        return {'inputs': inputs, 'data_samples': sample}
