"""``FingertipErrorMetric``: how far the predicted fingertips are, in mm."""
from typing import Dict, List, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric

from egohands.datasets.metainfo import FINGERTIPS, WRIST
from egohands.evaluation.metrics.sample_fields import joints_3d_record
from egohands.registry import METRICS


@METRICS.register_module()
class FingertipErrorMetric(BaseMetric):
    """Mean L2 error of the five fingertips after subtracting the wrist.

    Reports ``fingertip_error`` (mm): the mean over all valid fingertips of
    hands with a valid wrist.
    """

    default_prefix = ''

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            hand = joints_3d_record(sample, type(self).__name__)
            pred, gt = hand['pred_joints_3d'], hand['gt_joints_3d']
            valid = hand['gt_joints_valid']
            if not valid[WRIST]:
                continue
            tips = list(FINGERTIPS)
            error = np.linalg.norm((pred[tips] - pred[WRIST]) -
                                   (gt[tips] - gt[WRIST]), axis=-1)
            self.results.append((error[valid[tips]]).tolist())

    def compute_metrics(self, results: List[List[float]]) -> Dict[str, float]:
        errors = [e for hand in results for e in hand]
        return dict(fingertip_error=float(np.mean(errors)) if errors else
                    float('nan'))
