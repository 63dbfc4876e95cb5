"""What the readers of official dataset formats share.

The readers of ARCTIC, AssemblyHands, H2O, EPIC-HandKps and FreiHAND turn
each dataset's own files into the per-hand dicts of ``docs/architecture.md``
section 3.1. They share:

* :func:`read_data_pickle` / :func:`read_object_npy`: the pickles and
  object ``.npy`` files those datasets ship, unpickled with an allow-list
  (numpy arrays and plain Python types), so a crafted file cannot run code;
  ``--trust-pickle`` / ``EGOHANDS_TRUST_PICKLE=1`` lifts the list;
* :func:`project_points`: camera-frame points to pixels with a pinhole K;
* :func:`fill_hand`: one per-hand dict from canonical-order joints, with the
  box around the valid 2D keypoints.

Every failure is one line naming the file (and record) and the fix.
"""
from __future__ import annotations

import pickle
from typing import Any, Dict, Optional, Tuple

import numpy as np

from egohands.datasets.coco_format import bbox_from_keypoints
from egohands.utils.errors import AnnotationError, DatasetNotFoundError

#: padding of the box around the valid keypoints, px (full image)
BOX_PADDING_PX = 8.0


class _UntrustedGlobal(Exception):
    pass


class _DataUnpickler(pickle.Unpickler):
    """Resolves only numpy's array rebuilding and plain built-in types."""

    def __init__(self, file, trusted: bool) -> None:
        super().__init__(file, encoding='latin1')
        self.trusted = trusted

    def find_class(self, module: str, name: str):
        from egohands.hand_models.mano_files import ALLOWED_GLOBALS
        if (module, name) not in ALLOWED_GLOBALS and not self.trusted:
            raise _UntrustedGlobal(f'{module}.{name}')
        return super().find_class(module, name)


def _unpickle(file, path: str, what: str, hint: str) -> Any:
    from egohands.utils.checkpoint import TRUST_PICKLE_HINT, pickle_trusted
    try:
        return _DataUnpickler(file, pickle_trusted()).load()
    except _UntrustedGlobal as err:
        raise AnnotationError(
            f'{what} {path} names {err}, which the official files do not '
            f'hold; egohands does not run code from a file it does not '
            f'trust: {TRUST_PICKLE_HINT}') from None
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError,
            ValueError, TypeError, IndexError) as err:
        raise AnnotationError(f'{what} {path} is not a readable pickle '
                              f'({err}); {hint}') from None


def read_data_pickle(path: str, what: str, hint: str) -> Any:
    """The content of a dataset's ``.pkl`` file (allow-listed unpickling).

    Raises:
        DatasetNotFoundError: the file does not exist.
        AnnotationError: unreadable, or names a class outside the list.
    """
    try:
        with open(path, 'rb') as f:
            return _unpickle(f, path, what, hint)
    except (FileNotFoundError, IsADirectoryError):
        raise DatasetNotFoundError(f'{what} not found: {path}; {hint}') \
            from None


def read_object_npy(path: str, what: str, hint: str) -> Any:
    """The Python object saved with ``np.save(path, obj)`` (e.g. a dict).

    ``np.load(allow_pickle=True)`` would unpickle anything; this reads the
    ``.npy`` header itself and unpickles the payload with the allow-list.
    A plain numeric array is returned as an array.
    """
    from numpy.lib import format as npy_format
    try:
        f = open(path, 'rb')
    except (FileNotFoundError, IsADirectoryError):
        raise DatasetNotFoundError(f'{what} not found: {path}; {hint}') \
            from None
    with f:
        try:
            version = npy_format.read_magic(f)
            header = (npy_format.read_array_header_1_0 if version == (1, 0)
                      else npy_format.read_array_header_2_0)(f)
        except ValueError as err:
            raise AnnotationError(f'{what} {path} is not a .npy file '
                                  f'({err}); {hint}') from None
        shape, _, dtype = header
        if not dtype.hasobject:
            return np.fromfile(f, dtype=dtype).reshape(shape)
        array = _unpickle(f, path, what, hint)
    if isinstance(array, np.ndarray) and array.shape == ():
        return array.item()
    return array


def project_points(K: np.ndarray, points: np.ndarray) -> np.ndarray:
    """(N, 3) camera-frame points (any unit, z > 0) -> (N, 2) px."""
    points = np.asarray(points, np.float64)
    uvw = points @ np.asarray(K, np.float64).T
    z = np.where(np.abs(uvw[:, 2:]) > 1e-12, uvw[:, 2:], 1e-12)
    return uvw[:, :2] / z


def fill_hand(hand: Dict, side: str, K: np.ndarray,
              img_shape: Tuple[int, int],
              keypoints_2d: np.ndarray,
              keypoints_2d_valid: np.ndarray,
              joints_3d_mm: Optional[np.ndarray] = None,
              joints_valid: Optional[np.ndarray] = None,
              bbox_xyxy: Optional[np.ndarray] = None) -> Optional[Dict]:
    """Fill the per-hand dict ``hand`` (from ``empty_hand_info``).

    Args:
        side: ``'left'`` or ``'right'``.
        K: (3, 3) pinhole of the full image, px.
        img_shape: (h, w) of the full image.
        keypoints_2d: (21, 2) canonical order, full-image px.
        keypoints_2d_valid: (21,) 0/1.
        joints_3d_mm: optional (21, 3) canonical order, mm, camera frame.
        joints_valid: (21,) 0/1 of ``joints_3d_mm``.
        bbox_xyxy: the dataset's own box; default: the valid keypoints'
            box padded by :data:`BOX_PADDING_PX`.

    Returns:
        ``hand``, or None when the hand has no box (no valid keypoint).
    """
    valid_2d = np.asarray(keypoints_2d_valid, np.float32) > 0
    points = np.nan_to_num(np.asarray(keypoints_2d, np.float64))
    if bbox_xyxy is None:
        if not valid_2d.any():
            return None
        x, y, w, h = bbox_from_keypoints(points, valid_2d, BOX_PADDING_PX,
                                         img_shape[1], img_shape[0])
        bbox_xyxy = np.array([x, y, x + w, y + h])
    hand.update(hand_side=side, K=np.asarray(K, np.float32),
                img_shape=tuple(int(v) for v in img_shape),
                bbox=np.asarray(bbox_xyxy, np.float32),
                keypoints_2d=points.astype(np.float32),
                keypoints_2d_valid=valid_2d.astype(np.float32))
    if joints_3d_mm is not None:
        valid_3d = np.asarray(joints_valid, np.float32) > 0
        joints = np.asarray(joints_3d_mm, np.float64)
        valid_3d &= np.isfinite(joints).all(-1)
        hand['joints_3d'] = np.where(valid_3d[:, None], joints,
                                     0.0).astype(np.float32)
        hand['joints_valid'] = valid_3d.astype(np.float32)
    return hand


def check_shape(value: Any, shape: Tuple[int, ...], where: str,
                field: str) -> np.ndarray:
    """``value`` as a float64 array of exactly ``shape``, or one line."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise AnnotationError(f"{where}: '{field}' must be numbers of shape "
                              f'{shape}, got {type(value).__name__}') from None
    if array.shape != tuple(shape):
        raise AnnotationError(f"{where}: '{field}' must have shape {shape}, "
                              f'got {array.shape}')
    return array



class FlatHandPose:
    """Converts MANO poses relative to the mean hand into egohands' pose.

    ARCTIC (and, by its MANO fitting code, FreiHAND) store the 45 finger
    values relative to MANO's ``hands_mean`` (``flat_hand_mean=False``);
    egohands' ``mano_pose`` is relative to the flat hand. The conversion
    adds the side's ``hands_mean``, so it needs the MANO files: without
    ``mano_model_path`` the records carry no MANO supervision.

    Args:
        mano_model_path: MANO folder (or None).
    """

    def __init__(self, mano_model_path: Optional[str]) -> None:
        self.mano_model_path = mano_model_path
        self._means: Dict[str, np.ndarray] = {}

    @property
    def available(self) -> bool:
        return bool(self.mano_model_path)

    def __call__(self, pose_48: np.ndarray, side: str) -> np.ndarray:
        """(48,) global orient + mean-relative fingers -> (48,) flat."""
        if side not in self._means:
            from egohands.hand_models.mano_files import load_mano_data
            self._means[side] = np.asarray(
                load_mano_data(self.mano_model_path, side)['hands_mean'],
                np.float64).reshape(45)
        pose = np.asarray(pose_48, np.float64).reshape(48).copy()
        pose[3:] += self._means[side]
        return pose
