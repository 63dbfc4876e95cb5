"""Per-joint statistics of wrist-relative 3D joints, from annotations only.

The statistics (mean and standard deviation per joint and axis, mm) define
the z-scored target space of ``RootRelativeJointCodec`` (HP-ViT, POTTER).
They are computed from the raw dataset records (``joints_3d`` (21, 3) mm
camera frame and ``joints_valid`` (21,), architecture section 3.1) without
loading a single image, so they take a fraction of a second.

The statistics file is JSON::

    {"root_index": 0, "num_hands": N, "source": "...",
     "mean": [[x, y, z] * K], "std": [[x, y, z] * K],
     "bone_sq_sum": S}

``bone_sq_sum`` (mm^2, the hand-size statistic of ``Pose25DCodec``) is
optional for the codecs that do not use it.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import numpy as np

from egohands.datasets.metainfo import SKELETON
from egohands.utils.errors import ConfigError, MissingAssetError


def root_relative_stats(joints_3d: np.ndarray, joints_valid: np.ndarray,
                        root_index: int = 0) -> Tuple[np.ndarray, np.ndarray,
                                                      int]:
    """Mean and std of root-relative joints over the hands that have them.

    A joint of a hand counts when it and the root are valid. A joint that
    never counts gets mean 0 and std 1 (an identity normalisation); the root
    itself has mean 0 and std 0 (the codec never divides by it).

    Args:
        joints_3d: (N, K, 3) joints, mm.
        joints_valid: (N, K) validity.
        root_index: the root joint (the wrist, 0).

    Returns:
        mean (K, 3), std (K, 3) float64 in mm (population std), and the
        number of hands with a valid root.
    """
    joints_3d = np.asarray(joints_3d, dtype=np.float64)
    valid = np.asarray(joints_valid, dtype=np.float64) > 0
    relative = joints_3d - joints_3d[:, root_index:root_index + 1]
    counted = valid & valid[:, root_index:root_index + 1]
    # an invalid joint may hold anything (NaN, Infinity): never let it in
    relative = np.where(counted[..., None], relative, 0.0)
    weight = counted[..., None].astype(np.float64)
    count = weight.sum(axis=0)
    safe_count = np.maximum(count, 1.0)
    mean = (relative * weight).sum(axis=0) / safe_count
    variance = (((relative - mean)**2) * weight).sum(axis=0) / safe_count
    std = np.sqrt(variance)
    never = count[:, 0] == 0
    mean[never] = 0.0
    std[never] = 1.0
    return mean, std, int(valid[:, root_index].sum())


def bone_length_stats(joints_3d: np.ndarray,
                      joints_valid: np.ndarray) -> float:
    """Sum over the bones of ``SKELETON`` of each bone's mean squared length
    (mm^2) over the hands where both its joints are valid: the hand-size
    statistic of ``Pose25DCodec`` (0 when no bone is ever valid)."""
    parents, children = (list(ends) for ends in zip(*SKELETON))
    joints_3d = np.asarray(joints_3d, dtype=np.float64)
    valid = np.asarray(joints_valid, dtype=np.float64) > 0
    squared = ((joints_3d[:, children] - joints_3d[:, parents])**2).sum(-1)
    both = valid[:, children] & valid[:, parents]
    counts = both.sum(axis=0)
    means = np.where(both, squared, 0.0).sum(axis=0) / np.maximum(counts, 1)
    return float(means[counts > 0].sum())


def dataset_joints(dataset, purpose: str = 'target statistics'
                   ) -> Tuple[np.ndarray, np.ndarray, List[Optional[str]]]:
    """3D ground truth of a built dataset, read through ``get_data_info``.

    Works for any mmengine dataset (and ``ConcatDataset``) whose records
    carry ``joints_3d`` and ``joints_valid``; no pipeline is run.

    Returns:
        joints (N, K, 3) mm, validity (N, K) float64 and each record's
        ``hand_side`` (None where a record has none).
    """
    if hasattr(dataset, 'full_init'):
        dataset.full_init()
    joints, valid, sides = [], [], []
    for index in range(len(dataset)):
        info = dataset.get_data_info(index)
        if 'joints_3d' not in info or 'joints_valid' not in info:
            raise ConfigError(
                f'{type(dataset).__name__} record {index} has no joints_3d / '
                f'joints_valid: {purpose} need 3D ground truth')
        joints.append(np.asarray(info['joints_3d'], dtype=np.float64))
        valid.append(np.asarray(info['joints_valid'], dtype=np.float64))
        sides.append(info.get('hand_side'))
    if not joints:
        raise ConfigError(f'{type(dataset).__name__} is empty: cannot '
                          f'compute {purpose}')
    return np.stack(joints), np.stack(valid), sides


def stats_from_dataset(dataset, root_index: int = 0) -> Dict:
    """Statistics of a built dataset (:func:`dataset_joints`)."""
    joints, valid, _ = dataset_joints(dataset)
    mean, std, num_hands = root_relative_stats(joints, valid, root_index)
    if num_hands == 0:
        raise ConfigError(
            f'{type(dataset).__name__}: no hand has a valid root joint '
            f'{root_index}; cannot compute target statistics')
    source = getattr(dataset, 'ann_file', type(dataset).__name__)
    check_finite_stats(mean, std, str(source))
    return dict(root_index=root_index, num_hands=num_hands,
                source=str(source), mean=mean.tolist(), std=std.tolist(),
                bone_sq_sum=bone_length_stats(joints, valid))


def check_finite_stats(mean: np.ndarray, std: np.ndarray, where: str) -> None:
    """Raise ConfigError naming ``where`` if a mean or std is not finite
    (or a std negative): such statistics would turn every target into NaN."""
    for name, values in (('mean', mean), ('std', std)):
        bad = ~np.isfinite(values) | ((values < 0) if name == 'std' else
                                      False)
        if bad.any():
            joint, axis = (int(i) for i in np.argwhere(bad)[0])
            raise ConfigError(
                f'{where}: target statistics {name}[{joint}][{axis}] is '
                f'{values[joint, axis]}; statistics must be finite (and std '
                '>= 0); check the 3D joints of the annotations')


def save_stats(stats: Dict, path: str) -> None:
    """Write statistics as JSON (creates the folder), through a
    temporary file so that a failed write leaves nothing half-written."""
    from egohands.apis.output_paths import check_output_dir, check_output_file
    check_output_file(path)
    out = Path(path)
    check_output_dir(str(out.parent), f'--out {path}: folder')
    tmp = out.with_name(out.name + '.tmp')
    tmp.write_text(json.dumps(stats, indent=1, allow_nan=False))
    tmp.replace(out)


def load_stats(path: str, num_joints: Optional[int] = None) -> Dict:
    """Read a statistics file and check its shapes."""
    file = Path(path)
    if not file.is_file():
        raise MissingAssetError(
            f'target statistics file {path} does not exist; create it with '
            'python tools/compute_target_stats.py CONFIG --out ' + str(path))
    try:
        stats = json.loads(file.read_text())
        mean = np.asarray(stats['mean'], dtype=np.float64)
        std = np.asarray(stats['std'], dtype=np.float64)
    except (ValueError, KeyError, TypeError) as err:
        raise ConfigError(f'target statistics file {path} is malformed '
                          f'({type(err).__name__}: {err}); recreate it with '
                          'tools/compute_target_stats.py') from None
    expected = (num_joints or mean.shape[0], 3)
    if mean.shape != expected or std.shape != expected:
        raise ConfigError(
            f'target statistics file {path}: mean/std have shapes '
            f'{mean.shape}/{std.shape}, expected {expected}')
    check_finite_stats(mean, std, f'target statistics file {path}')
    return stats
