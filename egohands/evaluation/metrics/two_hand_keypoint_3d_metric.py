"""``TwoHandKeypoint3DMetric``: ``HandKeypoint3DMetric`` on two-hand samples.

A two-hand sample (``PackTwoHandInputs``, ``WildHandsEstimator``) is one
image holding a per-hand sample per side. mmengine keeps one result per
dataset item, so each image's result is the list of its present hands'
records; ``compute_metrics`` flattens them and reports the keys of
:class:`HandKeypoint3DMetric` (MRRPE pairs the two hands of an image).
"""
from typing import Any, Dict, List, Sequence

from egohands.registry import METRICS
from .hand_keypoint_3d_metric import HandKeypoint3DMetric
from .sample_fields import (joints_3d_record, keypoints_2d_record,
                            present_hands)


@METRICS.register_module()
class TwoHandKeypoint3DMetric(HandKeypoint3DMetric):
    """3D metrics of the present hands of two-hand samples.

    Arguments as :class:`HandKeypoint3DMetric`.
    """

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        name = type(self).__name__
        for sample in data_samples:
            records = []
            for hand in present_hands(sample) or []:
                hand = hand.to_dict() if hasattr(hand, 'to_dict') else hand
                record = joints_3d_record(hand, name)
                record['keypoints_2d'] = keypoints_2d_record(hand)
                # pair the hands of this image, whatever its img_id
                record['img_id'] = hand.get('img_path') or record['img_id']
                records.append(record)
            self.results.append(records)

    def compute_metrics(self, results: List[list]) -> Dict[str, float]:
        return super().compute_metrics(
            [record for records in results for record in records])
