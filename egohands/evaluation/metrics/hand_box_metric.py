"""``HandBoxMetric``: how well a hand detector finds the annotated hands.

Per image, predictions (best score first) are matched greedily to the
still unmatched ground-truth box of highest IoU, if that IoU reaches
``iou_thr``. Keys: ``box_recall`` (matched / annotated hands),
``box_precision`` (matched / predicted boxes) and ``side_accuracy``
(matched hands whose predicted side is right / matched hands; 0 with no
match). Boxes are compared in original image px.
"""
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric

from egohands.registry import METRICS


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(N, M) intersection over union of xyxy boxes ``a`` (N, 4) and
    ``b`` (M, 4)."""
    a = np.asarray(a, np.float64).reshape(-1, 4)
    b = np.asarray(b, np.float64).reshape(-1, 4)
    low = np.maximum(a[:, None, :2], b[None, :, :2])
    high = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.prod(np.clip(high - low, 0, None), axis=2)
    area = lambda x: np.prod(np.clip(x[:, 2:] - x[:, :2], 0, None), 1)  # noqa
    union = area(a)[:, None] + area(b)[None] - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0)


def match_boxes(pred: np.ndarray, scores: np.ndarray, gt: np.ndarray,
                iou_thr: float) -> List[tuple]:
    """Greedy (prediction index, ground-truth index) matches."""
    iou = box_iou(pred, gt)
    free = np.ones(len(gt), bool)
    matches = []
    for p in np.argsort(-np.asarray(scores), kind='stable'):
        if not free.any():
            break
        candidates = np.where(free, iou[p], -1.0)
        g = int(candidates.argmax())
        if candidates[g] >= iou_thr:
            free[g] = False
            matches.append((int(p), g))
    return matches


def _numpy(value) -> np.ndarray:
    return value.detach().cpu().numpy() if hasattr(value, 'detach') else \
        np.asarray(value)


@METRICS.register_module()
class HandBoxMetric(BaseMetric):
    """Box recall / precision at ``iou_thr`` and side accuracy.

    Args:
        iou_thr: IoU a prediction needs to match a hand.
        collect_device, prefix: as :class:`mmengine.evaluator.BaseMetric`.
    """

    default_prefix = ''

    def __init__(self, iou_thr: float = 0.5, collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.iou_thr = float(iou_thr)

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            scale = np.tile(np.asarray(sample.get('scale_factor', (1, 1)),
                                       np.float64), 2)
            gt = _numpy(sample['gt_boxes']).reshape(-1, 4) / scale
            pred = _numpy(sample['pred_boxes']).reshape(-1, 4)
            scores = _numpy(sample['pred_scores'])
            matches = match_boxes(pred, scores, gt, self.iou_thr)
            pred_sides = _numpy(sample['pred_sides'])
            gt_sides = _numpy(sample['gt_sides'])
            self.results.append(dict(
                hands=len(gt), predictions=len(pred), matched=len(matches),
                sides_right=sum(int(pred_sides[p] == gt_sides[g])
                                for p, g in matches)))

    def compute_metrics(self, results: List[Dict]) -> Dict[str, float]:
        total = lambda key: sum(r[key] for r in results)  # noqa: E731
        matched = total('matched')
        return dict(
            box_recall=matched / max(total('hands'), 1),
            box_precision=matched / max(total('predictions'), 1),
            side_accuracy=total('sides_right') / max(matched, 1))
