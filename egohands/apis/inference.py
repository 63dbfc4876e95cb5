"""One-call inference: ``init_model`` + ``inference_topdown``.

::

    from egohands.apis import init_model, inference_topdown
    model = init_model('configs/.../x.py', 'x.pth')   # or a model-zoo name
    hands = inference_topdown(model, 'frame.jpg', bboxes=[[x0, y0, x1, y1]])

``inference_topdown`` runs the config's test pipeline (without its image
loader: the image is read here, or given as an array) and the model's
``test_step`` on every hand box of one image, and returns one
``HandDataSample`` per box, in the input image's frame:

* ``pred_joints_3d`` (21, 3) mm, camera frame; ``pred_joints_absolute``
  says whether they are absolute or wrist-relative (wrist at the origin);
* ``pred_keypoints_2d`` (21, 2) full-image px: the model's own, or, for a
  wrist-relative model, the 3D hand placed in its box
  (:func:`place_in_box`), as ``keypoints_2d_source`` says
  (``'model'`` | ``'box fit'``);
* ``pred_vertices`` (778, 3) mm and ``pred_mano`` for MANO models,
  ``pred_joints_3d_std`` (21, 3) mm for models with an uncertainty;
* metainfo: ``img_path``, ``img_shape``, ``bbox`` (xyxy px), ``bbox_score``
  (a detector's, else None), ``hand_side``, ``K`` and ``K_source``
  (``'given'`` or ``'default'``: :data:`DEFAULT_FOV_DEG` across the image
  width, principal point at the centre, when no K was given).

Without ``bboxes`` the whole image is the network input (a pre-cropped hand
picture such as FreiHAND's): the box is the image shrunk by the pipeline's
box padding, so the padded crop is exactly the image. Without
``hand_sides`` every hand is taken as a right hand.
"""
from __future__ import annotations

from typing import Callable, Dict, List, Optional, Sequence, Union

import numpy as np
import torch

from egohands.apis.model_loading import init_model
from egohands.utils.errors import InputError

ImageLike = Union[str, np.ndarray]

#: horizontal field of view (deg) assumed when no intrinsics are given; a
#: typical phone / webcam lens (egocentric fisheye cameras are wider)
DEFAULT_FOV_DEG = 60.0
DEFAULT_HAND_SIDE = 'right'

__all__ = ['init_model', 'init_detector', 'inference_topdown',
           'default_intrinsics', 'whole_image_box', 'DEFAULT_FOV_DEG']


def init_detector(config, checkpoint: Optional[str] = None,
                  device: str = 'cpu', cfg_options: Optional[Dict] = None):
    """A hand detector (e.g. ``HandCenterDetector``,
    configs/handcenter/) loaded like :func:`init_model`; a ConfigError when
    the config's model has no ``detect(image) -> (boxes, scores, sides)``
    (e.g. a pose config given by mistake)."""
    from egohands.utils.errors import ConfigError
    detector = init_model(config, checkpoint, device, cfg_options)
    if not callable(getattr(detector, 'detect', None)):
        where = config if isinstance(config, str) else 'detector config'
        raise ConfigError(
            f'{where}: its model {type(detector).__name__} is not a hand '
            'detector (no detect(image) method); give a detector config '
            'such as configs/handcenter/handcenter_*.py')
    return detector


def default_intrinsics(width: int, height: int) -> np.ndarray:
    """(3, 3) K of a ``width`` x ``height`` image with
    :data:`DEFAULT_FOV_DEG` horizontally, square pixels, centred."""
    from egohands.geometry.camera import intrinsics_from_fov
    return np.asarray(intrinsics_from_fov(DEFAULT_FOV_DEG, width, height),
                      np.float32)


def read_image(img: ImageLike) -> np.ndarray:
    """A (h, w, 3) uint8 BGR image from a path or an array (gray and BGRA
    arrays are converted)."""
    import cv2
    if isinstance(img, str):
        image = cv2.imread(img, cv2.IMREAD_COLOR)
        if image is None:
            raise InputError(f'{img}: cannot read this image (missing file '
                             'or not an image format OpenCV decodes)')
        return image
    image = np.asarray(img)
    if image.dtype != np.uint8 or image.ndim not in (2, 3) or \
            (image.ndim == 3 and image.shape[2] not in (1, 3, 4)):
        raise InputError(f'image array: expected (h, w, 3) uint8 BGR, got '
                         f'{image.dtype} {image.shape}')
    if image.ndim == 2 or image.shape[2] == 1:
        return cv2.cvtColor(image.reshape(image.shape[:2]),
                            cv2.COLOR_GRAY2BGR)
    if image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)
    return np.ascontiguousarray(image)


def check_boxes(bboxes, width: int, height: int, where: str) -> np.ndarray:
    """(N, 4) float32 xyxy boxes; an InputError naming ``where`` and the box
    unless each is finite, non-empty and overlaps the image."""
    boxes = np.asarray(bboxes, np.float64)
    if boxes.ndim == 1 and boxes.size == 4:
        boxes = boxes[None]
    if boxes.ndim != 2 or boxes.shape[1] not in (4, 5):
        raise InputError(f'{where}: boxes must be [x0, y0, x1, y1] lists, '
                         f'got an array of shape {boxes.shape}')
    for i, (x0, y0, x1, y1) in enumerate(boxes[:, :4].tolist()):
        if not np.isfinite([x0, y0, x1, y1]).all() or x1 <= x0 or y1 <= y0:
            raise InputError(f'{where}: box {i} {[x0, y0, x1, y1]} is not a '
                             'box (x0 < x1, y0 < y1, finite px)')
        if x1 <= 0 or y1 <= 0 or x0 >= width or y0 >= height:
            raise InputError(f'{where}: box {i} {[x0, y0, x1, y1]} lies '
                             f'outside the {width}x{height} image')
    return boxes.astype(np.float32)


def _pipeline_entries(cfg) -> List[Dict]:
    pipeline = cfg.get('test_pipeline', None)
    if pipeline is None:
        pipeline = cfg.test_dataloader.dataset.pipeline
    return [dict(t) for t in pipeline]


def box_padding(cfg) -> float:
    """The ``GetSquareBBox`` padding of the test pipeline (1.0 without)."""
    for entry in _pipeline_entries(cfg):
        if entry.get('type') == 'GetSquareBBox':
            return float(entry.get('padding', 1.25))
    return 1.0


def whole_image_box(width: int, height: int, padding: float) -> np.ndarray:
    """(4,) xyxy box whose ``padding``-scaled box is the whole image."""
    cx, cy = (width - 1) / 2, (height - 1) / 2
    half_w, half_h = width / (2 * padding), height / (2 * padding)
    return np.array([cx - half_w, cy - half_h, cx + half_w, cy + half_h],
                    np.float32)


def build_test_pipeline(cfg) -> Callable[[Dict], Dict]:
    """The config's test pipeline without ``LoadImage`` (images are read
    by the caller), as a function of one sample dict."""
    import egohands.datasets  # noqa: F401 (registers the transforms)
    from egohands.registry import TRANSFORMS
    transforms = [TRANSFORMS.build(entry) for entry in _pipeline_entries(cfg)
                  if entry.get('type') != 'LoadImage']

    def run(results: Dict) -> Dict:
        for transform in transforms:
            results = transform(results)
        return results
    return run


def place_in_box(joints: np.ndarray, bbox: np.ndarray,
                 K: np.ndarray) -> np.ndarray:
    """2D keypoints (21, 2) px of a wrist-relative hand placed in its box.

    The hand (``joints`` (21, 3) mm) is moved along the ray of the box
    centre to the depth at which the larger of its x / y extents spans the
    larger box side: a weak-perspective guess for drawing, not a
    measurement (the result says ``keypoints_2d_source='box fit'``).
    """
    from egohands.geometry.camera import project_points
    joints = np.asarray(joints, np.float64)
    K = np.asarray(K, np.float64)
    low, high = joints[:, :2].min(0), joints[:, :2].max(0)
    extent_mm = max(float((high - low).max()), 1.0)
    extent_px = float(max(bbox[2] - bbox[0], bbox[3] - bbox[1]))
    depth = float(K[0, 0]) * extent_mm / max(extent_px, 1.0)
    centre = np.array([(bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2, 1])
    ray = np.linalg.solve(K, centre)
    middle = np.append((low + high) / 2, joints[:, 2].mean())
    placed = joints - middle + depth * ray / ray[2]
    return project_points(placed, K).astype(np.float32)


def prepare_hands(image: np.ndarray, pipeline: Callable[[Dict], Dict],
                  boxes: np.ndarray, sides: Sequence[str], K: np.ndarray,
                  meta: Dict) -> List[Dict]:
    """Packed model inputs, one per box (dummy ground truth, valid 0)."""
    from egohands.datasets.base_dataset import BaseHandDataset
    packed = []
    for index, (box, side) in enumerate(zip(boxes, sides)):
        info = BaseHandDataset.empty_hand_info()
        info.update(meta, img=image.copy(), img_shape=image.shape[:2],
                    bbox=box[:4].astype(np.float32), hand_side=side,
                    K=K, ann_id=index)
        packed.append(pipeline(info))
    return packed


def _hand_sides(hand_sides, count: int, where: str) -> List[str]:
    from egohands.datasets.metainfo import HAND_SIDES
    if hand_sides is None:
        return [DEFAULT_HAND_SIDE] * count
    sides = [hand_sides] * count if isinstance(hand_sides, str) else \
        list(hand_sides)
    if len(sides) != count or any(s not in HAND_SIDES for s in sides):
        raise InputError(f'{where}: hand_sides must be {count} of '
                         f'{HAND_SIDES}, got {hand_sides!r}')
    return sides


def finish_prediction(sample, K_source: str, bbox_score=None):
    """Drop the dummy ground truth, add the 2D keypoints of wrist-relative
    models (:func:`place_in_box`) and say where K and the 2D came from."""
    from egohands.evaluation.metrics.sample_fields import to_numpy
    for key in [k for k in sample.keys() if k.startswith('gt_')]:
        delattr(sample, key)
    source = 'model'
    if sample.get('pred_keypoints_2d') is None:
        sample.pred_keypoints_2d = torch.as_tensor(place_in_box(
            to_numpy(sample.pred_joints_3d), sample.metainfo['bbox'],
            sample.metainfo['K']))
        source = 'box fit'
    sample.set_metainfo(dict(K_source=K_source, keypoints_2d_source=source,
                             bbox_score=bbox_score))
    return sample


def inference_topdown(model, img: ImageLike, bboxes=None,
                      hand_sides: Union[None, str, Sequence[str]] = None,
                      K: Optional[np.ndarray] = None,
                      bbox_scores: Optional[Sequence[float]] = None,
                      image_id: int = 0):
    """Predict every hand box of one image (module docstring).

    Args:
        model: from :func:`init_model`.
        img: image path, or (h, w, 3) uint8 BGR array.
        bboxes: (N, 4) xyxy px, or None for the whole image.
        hand_sides: 'left' / 'right' per box (or one for all); default right.
        K: (3, 3) intrinsics px; default :func:`default_intrinsics`.
        bbox_scores: (N,) detector scores, stored as ``bbox_score``.
        image_id: stored as ``img_id``.

    Returns:
        list of N ``HandDataSample`` with ``pred_*`` fields.
    """
    where = img if isinstance(img, str) else f'image {image_id}'
    image = read_image(img)
    height, width = image.shape[:2]
    if bboxes is None:
        boxes = whole_image_box(width, height, box_padding(model.cfg))[None]
    else:
        boxes = check_boxes(bboxes, width, height, where)
    if len(boxes) == 0:
        return []
    sides = _hand_sides(hand_sides, len(boxes), where)
    K_source = 'given' if K is not None else 'default'
    K = (np.asarray(K, np.float32) if K is not None else
         default_intrinsics(width, height))
    if K.shape != (3, 3):
        raise InputError(f'{where}: K must be a 3x3 matrix, got {K.shape}')
    pipeline = getattr(model, '_egohands_test_pipeline', None)
    if pipeline is None:
        pipeline = build_test_pipeline(model.cfg)
        model._egohands_test_pipeline = pipeline
    meta = dict(img_path=img if isinstance(img, str) else '',
                img_id=image_id)
    return run_batch(model, prepare_hands(image, pipeline, boxes, sides, K,
                                          meta), K_source,
                     bbox_scores)


def run_batch(model, packed: List[Dict], K_source: str,
              bbox_scores: Optional[Sequence[float]] = None) -> List:
    """``test_step`` on packed hands; finished predictions in order."""
    from mmengine.dataset import pseudo_collate
    if not packed:
        return []
    with torch.no_grad():
        samples = model.test_step(pseudo_collate(packed))
    scores = list(bbox_scores) if bbox_scores is not None else \
        [None] * len(samples)
    return [finish_prediction(s, K_source, None if score is None else
                              float(score))
            for s, score in zip(samples, scores)]
