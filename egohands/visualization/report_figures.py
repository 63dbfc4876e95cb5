"""Pictures of a test run: crops ranked by error and 3D skeletons.

Both pick hands evenly along the ranking of their PA-MPJPE, from the best to
the worst, so one picture shows what "good", "typical" and "bad" look like.
"""
import os.path as osp
from typing import Dict, List, Optional, Sequence

import cv2
import numpy as np

from egohands.evaluation.functional import keypoint_errors, per_hand_means
from egohands.visualization.image_grid import make_image_grid
from egohands.visualization.skeleton import (plot_hand_skeleton_3d,
                                             put_label)


def per_hand_errors(pred: np.ndarray, gt: np.ndarray, valid: np.ndarray,
                    alignment: str = 'procrustes') -> np.ndarray:
    """(N,) mean error (mm) of each hand over its valid joints (NaN if
    none)."""
    return per_hand_means(*keypoint_errors(pred, gt, valid, alignment))


def ranked_picks(errors: np.ndarray, num: int) -> List[int]:
    """Indices of ``num`` hands spread evenly from the lowest to the highest
    error (NaN errors are skipped)."""
    order = [int(i) for i in np.argsort(errors) if np.isfinite(errors[i])]
    if not order:
        return []
    spots = np.linspace(0, len(order) - 1, min(num, len(order)))
    return [order[int(round(spot))] for spot in spots]


def ranked_crop_grid(show_dir: str, records: Sequence[Dict],
                     errors: np.ndarray,
                     num: int = 16) -> Optional[np.ndarray]:
    """Grid of the crops ``tools/test.py --show-dir`` drew (files
    ``<img_id>_<ann_id>.png``), best to worst, each captioned with its
    PA-MPJPE; None if none of them is there."""
    paths = [osp.join(show_dir, f'{r["img_id"]}_{r["ann_id"]}.png')
             for r in records]
    drawn = np.array([osp.isfile(path) for path in paths])
    if not drawn.any():
        return None
    tiles = []
    for index in ranked_picks(np.where(drawn, errors, np.nan), num):
        image = cv2.imread(paths[index])
        caption = np.zeros((max(14, image.shape[0] // 8), image.shape[1], 3),
                           np.uint8)
        put_label(caption, f'PA-MPJPE {errors[index]:.1f} mm')
        tiles.append(np.concatenate([image, caption]))
    return make_image_grid(tiles)


def ranked_skeleton_grid(pred: np.ndarray, gt: np.ndarray,
                         valid: np.ndarray, errors: np.ndarray,
                         num: int = 4) -> np.ndarray:
    """3D plots of predicted (colour) over ground-truth (grey) wrist-relative
    skeletons (mm, camera frame), best to worst."""
    tiles = []
    for index in ranked_picks(errors, num):
        tiles.append(plot_hand_skeleton_3d(
            pred[index] - pred[index, :1], valid[index],
            gt_joints_3d=gt[index] - gt[index, :1], gt_valid=valid[index],
            title=f'hand {index}: PA-MPJPE {errors[index]:.1f} mm',
            size=(360, 360)))
    return make_image_grid(tiles, ncols=len(tiles))


def learning_curve(history: Dict[str, List[float]],
                   baselines: Dict[str, float], metric: str = 'pa_mpjpe',
                   size=(640, 420)) -> np.ndarray:
    """BGR picture of a validation metric (mm) per epoch, with each
    baseline's value of the same metric as a horizontal line.

    Args:
        history: ``{'epoch': [...], metric: [...]}`` (``validation_history``).
        baselines: name -> value (e.g. the mean-pose rows of the report).
    """
    import matplotlib
    matplotlib.use('Agg')
    from matplotlib import pyplot as plt
    dpi = 100
    figure = plt.figure(figsize=(size[0] / dpi, size[1] / dpi), dpi=dpi)
    axes = figure.add_subplot(111)
    axes.plot(history['epoch'], history[metric], 'o-', label='model')
    for (name, value), style in zip(baselines.items(), ('--', ':', '-.')):
        axes.axhline(value, linestyle=style, color='grey', label=name)
    axes.set_xlabel('epoch')
    axes.set_ylabel(f'validation {metric.upper().replace("_", "-")} (mm)')
    axes.set_ylim(bottom=0)
    axes.grid(alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.canvas.draw()
    rgba = np.asarray(figure.canvas.buffer_rgba())
    plt.close(figure)
    return cv2.cvtColor(rgba, cv2.COLOR_RGBA2BGR)
