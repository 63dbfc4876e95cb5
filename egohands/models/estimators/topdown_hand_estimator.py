"""``TopdownHandEstimator``: crop in, 3D hand out (architecture 3.3)."""
import inspect
from typing import Dict, List, Optional

import torch

from egohands.models.estimators.base_estimator import BaseHandEstimator
from egohands.models.estimators.original_frame import to_original_frame
from egohands.registry import MODELS, POSTPROCESSORS
from egohands.structures import HandDataSample
from egohands.utils.errors import ConfigError


def _detached(value):
    """Detach and move to the CPU every tensor of a (nested) dict."""
    if isinstance(value, torch.Tensor):
        return value.detach().cpu()
    if isinstance(value, dict):
        return {key: _detached(item) for key, item in value.items()}
    return value


def with_input_width(head: dict, features: torch.nn.Module) -> dict:
    """``head`` with ``in_channels`` set to the width of the feature it
    reads (``out_channels[in_index]`` of ``features``) when the head takes
    an ``in_channels`` argument and the config has none, as detectron2
    sizes heads from ``Backbone.output_shape()``."""
    head_type = head['type']
    head_cls = MODELS.get(head_type) if isinstance(head_type, str) \
        else head_type
    if 'in_channels' in head or 'in_channels' not in inspect.signature(
            head_cls).parameters:
        return head
    widths = getattr(features, 'out_channels', None)
    if widths is None:
        raise ConfigError(
            f'model.head.in_channels: {type(features).__name__} has no '
            'out_channels attribute to take the width from; set '
            'model.head.in_channels')
    index = head.get('in_index', getattr(head_cls, 'in_index', -1))
    return dict(head, in_channels=int(list(widths)[index]))


@MODELS.register_module()
class TopdownHandEstimator(BaseHandEstimator):
    """Backbone -> optional neck -> head on one hand crop per sample.

    Args:
        backbone: config of the backbone (images -> tuple of features).
        head: config of a ``BaseHandHead``; without ``in_channels`` it gets
            ``out_channels[in_index]`` of the built neck, or backbone.
        neck: optional config of a neck (tuple -> tuple of features).
        data_preprocessor: config of the batch preprocessor, usually
            ``HandDataPreprocessor``.
        train_cfg: passed to ``head.loss``.
        test_cfg: passed to ``head.predict``; its ``postprocess`` entry is a
            list of ``POSTPROCESSORS`` configs run, in order, on the
            predicted samples.
        init_cfg: mmengine weight-initialisation config.

    ``forward(inputs (B, 3, h, w) float, data_samples, mode)``:

    * ``'loss'``: dict of loss tensors;
    * ``'predict'``: the data samples with ``pred_*`` fields in the original
      image and camera frame (mm, full-image px), detached, on the CPU;
    * ``'tensor'``: the head's raw output dict.
    """

    def __init__(self,
                 backbone: dict,
                 head: dict,
                 neck: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 train_cfg: Optional[dict] = None,
                 test_cfg: Optional[dict] = None,
                 init_cfg=None) -> None:
        super().__init__(data_preprocessor, train_cfg, test_cfg, init_cfg)
        self.backbone = MODELS.build(backbone)
        self.neck = MODELS.build(neck) if neck is not None else None
        self.head = MODELS.build(
            with_input_width(head, self.neck or self.backbone))
        self.postprocessors = [
            POSTPROCESSORS.build(cfg)
            for cfg in self.test_cfg.get('postprocess', None) or []
        ]

    def extract_feat(self, inputs: torch.Tensor):
        """(B, 3, h, w) -> tuple of feature tensors."""
        feats = self.backbone(inputs)
        if self.neck is not None:
            feats = self.neck(feats)
        return feats

    def _forward(self, inputs: torch.Tensor,
                 data_samples: Optional[List[HandDataSample]] = None
                 ) -> Dict:
        """``'tensor'`` mode: the head's raw output dict."""
        return self.head.forward(self.extract_feat(inputs))

    def loss(self, inputs: torch.Tensor,
             data_samples: List[HandDataSample]) -> Dict[str, torch.Tensor]:
        """Losses of the head on ground-truth ``gt_*`` fields."""
        return self.head.loss(self.extract_feat(inputs), data_samples,
                              self.train_cfg)

    def predict(self, inputs: torch.Tensor,
                data_samples: List[HandDataSample]) -> List[HandDataSample]:
        """Predictions in the original frame, then the post-processors."""
        preds = self.head.predict(self.extract_feat(inputs), data_samples,
                                  self.test_cfg)
        for sample, pred in zip(data_samples, preds):
            sample.set_data(
                to_original_frame(_detached(pred), sample.metainfo))
        for postprocessor in self.postprocessors:
            data_samples = postprocessor(data_samples)
        return data_samples
