"""The picture of one inferred frame: every hand on the full image, and a 3D
panel.

Left: the image with each hand's box, side label and predicted 2D skeleton
(``pred_keypoints_2d``, full-image px), and, for hands with an absolute
mesh (``pred_vertices`` mm, MANO models) and given ``faces``, the shaded
mesh blended over it with the image's K. Right: the 3D skeletons
(``pred_joints_3d`` mm, camera frame) of the hands, one plot each, scaled
to the image height.
"""
from __future__ import annotations

from typing import List, Optional

import cv2
import numpy as np

from egohands.visualization.mesh_overlay import draw_mesh_overlay
from egohands.visualization.skeleton import (draw_hand_skeleton,
                                             plot_hand_skeleton_3d)

BOX_COLOR_BGR = (0, 215, 255)


def _numpy(value) -> np.ndarray:
    from egohands.evaluation.metrics.sample_fields import to_numpy
    return np.asarray(to_numpy(value), np.float64)


def draw_inference_picture(image: np.ndarray, samples: List,
                           faces: Optional[np.ndarray] = None,
                           with_3d: bool = True) -> np.ndarray:
    """(h, w, 3) BGR image + predicted ``HandDataSample`` list -> BGR
    picture (module docstring); the image alone when there is no hand."""
    picture = np.array(image, np.uint8)
    for sample in samples:
        vertices = sample.get('pred_vertices')
        if faces is not None and vertices is not None and \
                sample.get('pred_joints_absolute', False):
            vertices = _numpy(vertices)
            if (vertices[:, 2] > 0).all() and faces.max() < len(vertices):
                picture = draw_mesh_overlay(picture, vertices, faces,
                                            sample.metainfo['K'])
    thickness = max(1, round(min(picture.shape[:2]) / 200))
    for sample in samples:
        x0, y0, x1, y1 = (int(round(v)) for v in sample.metainfo['bbox'])
        cv2.rectangle(picture, (x0, y0), (x1, y1), BOX_COLOR_BGR, thickness)
        label = sample.metainfo.get('orig_hand_side',
                                    sample.metainfo.get('hand_side', ''))
        cv2.putText(picture, str(label)[:1].upper(), (x0 + 2, y0 + 12),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.4, BOX_COLOR_BGR, 1,
                    cv2.LINE_AA)
        draw_hand_skeleton(picture, _numpy(sample.pred_keypoints_2d),
                           copy=False)
    if not with_3d or not samples:
        return picture
    height = picture.shape[0]
    side = max(height, 64)
    panels = [plot_hand_skeleton_3d(
        _numpy(s.pred_joints_3d), size=(side, side),
        title=str(s.metainfo.get('orig_hand_side', ''))) for s in samples]
    panels = [cv2.resize(p, (height, height), interpolation=cv2.INTER_AREA)
              for p in panels]
    return np.concatenate([picture] + panels, axis=1)
