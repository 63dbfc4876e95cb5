"""Paired bootstrap of two prediction dumps of one split: is model A better
than model B by more than the sampling noise of the test images?

Both dumps must hold the same hands (``img_path``, ``hand_side``). Each
resample draws the images with replacement (the hands of an image stay
together) and scores A and B on the same draw with the definitions of
``HandKeypoint3DMetric``: root-relative MPJPE and PA-MPJPE as the mean over
the drawn hands, MRRPE as the mean over the drawn images whose two wrists
are valid. The spread says how much the numbers would move on another test
set of the same size; it does not see training noise (a second seed does).
Millimetres throughout.
"""
from typing import Dict, List, Sequence, Tuple

import numpy as np

from egohands.evaluation.functional.hand_reduction import per_hand_means
from egohands.evaluation.functional.keypoint_3d import keypoint_errors
from egohands.evaluation.metrics.hand_keypoint_3d_metric import \
    left_right_pairs
from egohands.evaluation.run_report import dump_arrays
from egohands.utils.errors import ConfigError

METRIC_KEYS = ('mpjpe', 'pa_mpjpe', 'mrrpe')


class DumpErrors:
    """Per-hand and per-pair errors of one dump, hands sorted by
    (``img_path``, ``hand_side``).

    Attributes:
        keys: (N,) the hands' (img_path, hand_side).
        image: (N,) image index of each hand; ``num_images`` images.
        hand_errors: ``{'mpjpe': (N,), 'pa_mpjpe': (N,)}``, NaN for a hand
            without a valid joint.
        pair_image: (P,) image index of each left-right pair.
        pair_errors: (P,) MRRPE of each pair.
    """

    def __init__(self, records: Sequence[Dict]) -> None:
        kept = sorted((r for r in records if r.get('gt_joints_3d') is not
                       None), key=lambda r: (r['img_path'], r['hand_side']))
        if not kept:
            raise ConfigError('the prediction dump has no ground truth')
        pred, gt, valid, sides = dump_arrays(kept)
        self.keys = [(r['img_path'], r['hand_side']) for r in kept]
        paths = [r['img_path'] for r in kept]
        _, self.image = np.unique(paths, return_inverse=True)
        self.num_images = int(self.image.max()) + 1
        self.hand_errors = {
            'mpjpe': per_hand_means(*keypoint_errors(pred, gt, valid,
                                                     'root')),
            'pa_mpjpe': per_hand_means(*keypoint_errors(pred, gt, valid,
                                                        'procrustes'))}
        absolute = np.array([bool(r['pred_joints_absolute']) for r in kept])
        left, right = left_right_pairs(paths, np.array(sides),
                                       absolute & valid[:, 0])
        self.pair_image = self.image[left]
        self.pair_errors = np.linalg.norm(
            (pred[left, 0] - pred[right, 0]) - (gt[left, 0] - gt[right, 0]),
            axis=-1)

    def scores(self, image_weights: np.ndarray) -> np.ndarray:
        """(3,) MPJPE, PA-MPJPE, MRRPE with each image counted
        ``image_weights`` (num_images,) times (NaN: nothing to average)."""
        out = []
        for key in METRIC_KEYS[:2]:
            errors = self.hand_errors[key]
            weights = np.where(np.isnan(errors), 0.0,
                               image_weights[self.image])
            out.append(_weighted_mean(np.nan_to_num(errors), weights))
        out.append(_weighted_mean(self.pair_errors,
                                  image_weights[self.pair_image]))
        return np.array(out)


def _weighted_mean(values: np.ndarray, weights: np.ndarray) -> float:
    total = weights.sum()
    return float((values * weights).sum() / total) if total > 0 else np.nan


def paired_bootstrap(records_a: Sequence[Dict], records_b: Sequence[Dict],
                     num_resamples: int = 2000, seed: int = 0,
                     interval: float = 95.0
                     ) -> Dict[str, Dict[str, float]]:
    """Scores of A and B and the bootstrap interval of A - B.

    Returns ``{metric: {'a', 'b', 'a_minus_b', 'low', 'high'}}`` for
    :data:`METRIC_KEYS` (``low`` / ``high``: the central ``interval`` %
    of the resampled A - B).
    """
    a, b = DumpErrors(records_a), DumpErrors(records_b)
    if a.keys != b.keys:
        only = sorted(set(a.keys) ^ set(b.keys))[:3]
        raise ConfigError('the two dumps do not hold the same hands '
                          f'(img_path, hand_side), e.g. {only}: compare '
                          'dumps of one split')
    rng = np.random.default_rng(seed)
    ones = np.ones(a.num_images)
    diffs: List[np.ndarray] = []
    for _ in range(num_resamples):
        weights = np.bincount(rng.integers(0, a.num_images, a.num_images),
                              minlength=a.num_images).astype(np.float64)
        diffs.append(a.scores(weights) - b.scores(weights))
    tail = (100.0 - interval) / 2
    low, high = np.nanpercentile(np.stack(diffs), [tail, 100 - tail],
                                 axis=0)
    full_a, full_b = a.scores(ones), b.scores(ones)
    return {key: dict(a=full_a[i], b=full_b[i],
                      a_minus_b=full_a[i] - full_b[i], low=low[i],
                      high=high[i])
            for i, key in enumerate(METRIC_KEYS)}


def format_comparison(result: Dict[str, Dict[str, float]],
                      names: Tuple[str, str] = ('A', 'B'),
                      interval: float = 95.0) -> str:
    """The result as a plain-text table."""
    diff = f'{names[0]} - {names[1]}'
    lines = [f'{"":10s}{names[0]:>10s}{names[1]:>10s}{diff:>14s}'
             f'   {interval:g} % interval of {diff}']
    for key, row in result.items():
        lines.append(f'{key:10s}{row["a"]:10.2f}{row["b"]:10.2f}'
                     f'{row["a_minus_b"]:14.2f}   [{row["low"]:.2f}, '
                     f'{row["high"]:.2f}]')
    return '\n'.join(lines)
