"""Statistics that compare EgoSynth with the real egocentric benchmark.

EgoExo4D's public test file gives, per hand, a box made from its annotated
2D keypoints (``hand_rand_bbox_from_kpts`` of the official data preparation:
the keypoints' extent times 1.5, jittered by +-10 %, in the undistorted
512 x 512 frame). :func:`keypoint_box_sides` makes the same box (without
the jitter) for EgoSynth hands, so the two distributions compare like with
like. docs/egosynth.md has the one-liner that computed the reference.
"""
import json
from typing import Dict, Iterable, Tuple

import numpy as np

#: max-side percentiles 5/25/50/75/95 (px) of the 8 772 boxes of
#: ego_pose_gt_anno_test_public.json (:func:`egoexo4d_box_sides`)
EGOEXO4D_BOX_SIDE_PERCENTILES = (61.4, 87.6, 106.0, 127.9, 167.6)
#: median distance (px) of those boxes' centres from the image centre
EGOEXO4D_MEDIAN_CENTRE_OFFSET = 131.8
PERCENTILES = (5, 25, 50, 75, 95)


def keypoint_box_sides(annotations: Iterable[Dict], width: int, height: int,
                       expansion: float = 1.5) -> Tuple[np.ndarray,
                                                        np.ndarray]:
    """Max side (px) and centre offset from the image centre (px) of the
    EgoExo4D-style box of every hand: its in-image keypoints' extent times
    ``expansion`` about their centre, clipped to the image."""
    sides, offsets = [], []
    limit = np.array([width - 1, height - 1], dtype=np.float64)
    for record in annotations:
        points = np.asarray(record['keypoints'], dtype=np.float64)
        points = points.reshape(-1, 3)
        inside = points[(points[:, 2] > 0)][:, :2]
        if len(inside) < 2:
            continue
        low, high = inside.min(axis=0), inside.max(axis=0)
        centre, half = (low + high) / 2, (high - low) * expansion / 2
        box_low = np.clip(centre - half, 0, limit)
        box_high = np.clip(centre + half, 0, limit)
        sides.append((box_high - box_low).max())
        offsets.append(np.linalg.norm((box_low + box_high) / 2 - limit / 2))
    return np.asarray(sides), np.asarray(offsets)


def egoexo4d_box_sides(path: str) -> Tuple[np.ndarray, np.ndarray]:
    """Max side and centre offset (px) of every hand box of an EgoExo4D
    ``ego_pose_gt_anno_test_public.json`` (512 x 512 frames)."""
    with open(path) as f:
        takes = json.load(f)
    sides, offsets = [], []
    for frames in takes.values():
        for frame in frames.values():
            for side in ('right', 'left'):
                box = frame.get(f'{side}_hand_bbox')
                if not box:
                    continue
                x0, y0, x1, y1 = box
                sides.append(max(x1 - x0, y1 - y0))
                offsets.append(np.hypot((x0 + x1) / 2 - 255.5,
                                        (y0 + y1) / 2 - 255.5))
    return np.asarray(sides), np.asarray(offsets)
