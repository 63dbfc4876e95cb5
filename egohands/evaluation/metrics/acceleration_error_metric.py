"""``AccelerationErrorMetric``: temporal smoothness of 3D joint predictions.

Samples are grouped by (``sequence``, original hand side) and ordered by
``frame``; consecutive samples whose frame numbers differ by ``frame_step``
are consecutive time steps, any other gap starts a new segment (no
acceleration is computed across it). The value is
``egohands.evaluation.functional.acceleration_error`` over all segments,
each valid (frame, joint) weighing the same, in mm per step^2 (with
``frame_step=1``: mm/frame^2). Key: ``accel_error``.
"""
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric

from egohands.evaluation.functional import NoValidHandError, acceleration_error
from egohands.registry import METRICS
from egohands.utils.errors import ConfigError
from .sample_fields import joints_3d_record

_ALIGNMENTS = ('root', 'none')


@METRICS.register_module()
class AccelerationErrorMetric(BaseMetric):
    """Acceleration error of per-hand joint trajectories.

    Args:
        alignment: ``'root'`` (default; wrist-relative joints, works for any
            model) or ``'none'`` (absolute joints; every prediction must
            have ``pred_joints_absolute`` True).
        frame_step: frame-number difference of consecutive time steps (10
            for a dataset annotated every 10th frame).
        collect_device: ``'cpu'`` or ``'gpu'``.
        prefix: optional key prefix; none by default.
    """

    default_prefix = ''  # plain keys, and no mmengine warning

    def __init__(self, alignment: str = 'root', frame_step: int = 1,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if alignment not in _ALIGNMENTS:
            raise ConfigError(f'AccelerationErrorMetric: alignment must be '
                              f'one of {_ALIGNMENTS}, got {alignment!r}')
        if int(frame_step) < 1:
            raise ConfigError('AccelerationErrorMetric: frame_step must be a '
                              f'positive integer, got {frame_step!r}')
        self.alignment = alignment
        self.frame_step = int(frame_step)

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        name = type(self).__name__
        for sample in data_samples:
            record = joints_3d_record(sample, name)
            for key in ('sequence', 'frame', 'hand_side'):
                if record[key] is None:
                    raise ConfigError(
                        f'{name} needs {key!r} metainfo in every sample to '
                        f'build trajectories, but a sample with img_id='
                        f'{record["img_id"]!r} has none; use a video dataset '
                        'that sets sequence and frame, or remove the metric')
            self.results.append(record)

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        sequence = np.array([str(r['sequence']) for r in results])
        side = np.array([str(r['hand_side']) for r in results])
        frame = np.array([int(r['frame']) for r in results])
        order = np.lexsort((frame, side, sequence))
        sequence, side, frame = sequence[order], side[order], frame[order]
        new_segment = np.ones(len(order), dtype=bool)
        new_segment[1:] = ((sequence[1:] != sequence[:-1]) |
                           (side[1:] != side[:-1]) |
                           (np.diff(frame) != self.frame_step))
        pred = np.stack([results[i]['pred_joints_3d'] for i in order])
        gt = np.stack([results[i]['gt_joints_3d'] for i in order])
        valid = np.stack([results[i]['gt_joints_valid'] for i in order])
        if self.alignment == 'root':
            pred, gt = pred - pred[:, :1], gt - gt[:, :1]
            valid = valid & valid[:, :1]
        elif not all(r['pred_joints_absolute'] for r in results):
            raise ConfigError(
                "AccelerationErrorMetric(alignment='none') needs absolute "
                'predictions, but the model predicts wrist-relative joints '
                "(pred_joints_absolute False); use alignment='root'")
        try:
            value = acceleration_error(pred, gt, valid,
                                       np.cumsum(new_segment))
        except NoValidHandError as err:
            raise ConfigError(
                f'AccelerationErrorMetric: {err} among {len(results)} samples '
                f'grouped by (sequence, hand side) with frame_step='
                f'{self.frame_step}; set frame_step to the annotation '
                'spacing, or remove the metric for a non-video dataset'
            ) from None
        return dict(accel_error=value)
